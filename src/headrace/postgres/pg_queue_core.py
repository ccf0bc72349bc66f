"""The queue storage core on PostgreSQL: SQS's semantics in transactions and row locks.

:class:`PgQueueCore` is a synchronous core (like the SQLite ``QueueBroker``) over one psycopg
connection, run on its own thread by :class:`~headrace.postgres.pg_queue_storage.PgQueueStorage`.
Every call is one transaction. What the locks guarantee across processes:

- standard receives claim rows with ``FOR UPDATE SKIP LOCKED``: two receivers never take
  the same message, and neither waits for the other;
- FIFO sends and receives lock the queue's row first, so sequence numbers and the
  deduplication window are per queue, and a group with a message in flight is held for
  the whole fleet (a second receive sees the first one's claim);
- deletes and visibility changes lock the rows their handles name, so a handle made stale
  by a concurrent receive is refused.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from headrace.broker import sql
from headrace.broker.fifo import DEDUPLICATION_WINDOW_MS, SEQUENCE_NUMBER_DIGITS
from headrace.broker.queue_api import SqsApi, check_visibility_timeout
from headrace.broker.queue_catalog import Catalog, Queue, check_same_attributes
from headrace.broker.queue_results import (
    BrokerStatistics,
    PeekedMessage,
    QueueCounters,
    SendResult,
)
from headrace.broker.queue_validation import Outgoing, decode_attributes
from headrace.broker.receiving import Exchange, visibility_for
from headrace.clock import Clock
from headrace.config.model import QueueConfig
from headrace.errors import InvalidParameterValue
from headrace.events import QueueMessage
from headrace.postgres import pg_queue_reads
from headrace.postgres import pg_queue_schema as q_sql
from headrace.postgres.pg_queue_catalog import (
    attributes_json,
    created_queues,
    delete_row,
    ensure_rows,
    save_row,
)
from headrace.statistics import QueueDepth

if TYPE_CHECKING:
    import psycopg


class PgQueueCore(SqsApi):
    """Declared queues in a PostgreSQL schema; ``notify`` hears each ARN that may have work."""

    def __init__(
        self,
        conn: psycopg.Connection[tuple[Any, ...]],
        queues: Mapping[str, QueueConfig],
        *,
        region: str,
        account: str,
        clock: Clock,
        notify: Callable[[str], None],
    ) -> None:
        self._conn = conn
        self._clock = clock
        self._account = account
        self.notify = notify
        self._tally = QueueCounters()
        with conn.transaction():
            rows = ensure_rows(conn, queues, int(clock.time()))
            created = created_queues(conn, queues)
        self._catalog = Catalog(rows, queues, region=region, account=account)
        self._catalog.add_created(created)

    # -- queues -----------------------------------------------------------------------

    @property
    def queue_names(self) -> list[str]:
        return self._catalog.names()

    def queue(self, queue: str) -> Queue:
        return self._catalog.get(queue)

    def create_queue(
        self, name: str, config: QueueConfig, *, given: Collection[str] | None = None
    ) -> Queue:
        if name in self._catalog.names():
            existing = self._catalog.get(name)
            check_same_attributes(existing.config, config, given)
            return existing
        with self._conn.transaction():
            row = save_row(self._conn, name, config, int(self._clock.time()))
            return self._catalog.add(name, config, row)  # a bad name rolls the row back

    def set_queue_attributes(self, queue: str, config: QueueConfig) -> Queue:
        name = self.queue(queue).name
        with self._conn.transaction():
            self._conn.execute(
                "UPDATE hr_queue SET created_attributes = %s "
                "WHERE name = %s AND created_attributes IS NOT NULL",
                (attributes_json(config), name),
            )
            changed = self._catalog.replace(name, config)
        self.notify(changed.arn)
        return changed

    def delete_queue(self, queue: str) -> None:
        q = self.queue(queue)
        with self._conn.transaction():
            delete_row(self._conn, q.id)
        self._catalog.remove(q.name)

    # -- send -------------------------------------------------------------------------

    def _send_prepared(self, queue: Queue, messages: Sequence[Outgoing]) -> list[SendResult]:
        now = self._now()
        with self._conn.transaction():
            if queue.fifo:
                results = self._send_fifo(queue, messages, now)
            else:
                results = [message.sent(str(uuid.uuid4()), None) for message in messages]
                self._conn.cursor().executemany(
                    q_sql.INSERT_MESSAGE,
                    [
                        _row(queue.id, r.message_id, m, now, None)
                        for r, m in zip(results, messages, strict=True)
                    ],
                )
        sent = sum(1 for r in results if not r.duplicate)
        self._tally.sent += sent
        self._tally.duplicates += len(results) - sent
        if sent:
            self.notify(queue.arn)
        return results

    def _send_fifo(self, q: Queue, messages: Sequence[Outgoing], now: int) -> list[SendResult]:
        """Under the queue row's lock: deduplicate, number and insert in order."""
        conn = self._conn
        conn.execute("SELECT 1 FROM hr_queue WHERE id = %s FOR UPDATE", (q.id,))
        conn.execute(
            "DELETE FROM hr_queue_dedup WHERE queue_id = %s AND expires_at <= %s", (q.id, now)
        )
        results: list[SendResult] = []
        for m in messages:
            dedup = m.dedup_id or ""
            found = conn.execute(
                "SELECT message_id, sequence_number FROM hr_queue_dedup "
                "WHERE queue_id = %s AND dedup_id = %s",
                (q.id, dedup),
            ).fetchone()
            if found is not None:
                results.append(m.sent(str(found[0]), str(found[1]), duplicate=True))
                continue
            (counter,) = conn.execute(
                "UPDATE hr_queue SET last_sequence = last_sequence + 1 WHERE id = %s "
                "RETURNING last_sequence",
                (q.id,),
            ).fetchone() or (0,)
            number = f"{counter:0{SEQUENCE_NUMBER_DIGITS}d}"
            message_id = str(uuid.uuid4())
            conn.execute(q_sql.INSERT_MESSAGE, _row(q.id, message_id, m, now, number))
            conn.execute(
                "INSERT INTO hr_queue_dedup (queue_id, dedup_id, message_id, sequence_number, "
                "expires_at) VALUES (%s, %s, %s, %s, %s)",
                (q.id, dedup, message_id, number, now + DEDUPLICATION_WINDOW_MS),
            )
            results.append(m.sent(message_id, number))
        return results

    # -- receive ----------------------------------------------------------------------

    def receive_messages(
        self, queue: str, max_messages: int, *, visibility_timeout: int | None = None
    ) -> list[QueueMessage]:
        q = self.queue(queue)
        return self._receive(q, max_messages, visibility_for(q, visibility_timeout))

    def delete_and_receive(
        self,
        queue: str,
        deletes: Sequence[Sequence[str]],
        receives: Sequence[int],
        *,
        visibility_timeout: int | None = None,
    ) -> Exchange:
        q = self.queue(queue)
        timeout = visibility_for(q, visibility_timeout)
        deleted = [self.delete_messages(queue, handles) for handles in deletes]
        if q.fifo:  # one receive each: a later one must see the groups an earlier one took
            return Exchange(deleted, [self._receive(q, n, timeout) for n in receives])
        # One receive for all, shared out in send order, as the SQLite broker does.
        messages = iter(self._receive(q, sum(max(n, 0) for n in receives), timeout))
        return Exchange(deleted, [list(itertools.islice(messages, max(n, 0))) for n in receives])

    def _receive(self, q: Queue, limit: int, timeout: int) -> list[QueueMessage]:
        if limit <= 0:
            return []
        now = self._now()
        oldest = q.retention_start(now)
        with self._conn.transaction():
            self._tally.expired += self._conn.execute(
                "DELETE FROM hr_queue_message WHERE queue_id = %s AND enqueued_at <= %s",
                (q.id, oldest),
            ).rowcount
            take, exhausted = (
                self._fifo_select(q, now, oldest, limit)
                if q.fifo
                else self._claim(q, now, oldest, limit)
            )
            if exhausted and q.dead_letter is not None:
                target = q.dead_letter.target
                self._move(exhausted, target.queue_id, target.fifo, now)
            rows = (
                self._conn.execute(
                    q_sql.RECEIVE_LISTED, (now + timeout * 1000, now, take)
                ).fetchall()
                if take
                else []
            )
        if exhausted and q.dead_letter is not None:
            self._tally.moved_to_dead_letter += len(exhausted)
            self.notify(q.dead_letter.arn)
        self._tally.received += len(rows)
        rows.sort(key=lambda r: int(r[0]))
        return [sql.to_message(r, self._account) for r in rows]

    def _claim(self, q: Queue, now: int, oldest: int, limit: int) -> tuple[list[int], list[int]]:
        """Standard queues: lock up to ``limit`` receivable rows (SKIP LOCKED: rows another
        receive holds are passed over, never waited for), setting exhausted ones aside
        (§4.1.2) and claiming again while they made room."""
        max_receive = None if q.dead_letter is None else q.dead_letter.max_receive_count
        take: list[int] = []
        exhausted: list[int] = []
        while len(take) < limit:
            rows = self._conn.execute(
                q_sql.CLAIM_VISIBLE, (q.id, now, oldest, take + exhausted, limit - len(take))
            ).fetchall()
            spent = [int(s) for s, c in rows if max_receive is not None and c >= max_receive]
            take += [int(s) for s, c in rows if int(s) not in spent]
            exhausted += spent
            if not spent:
                break
        return take, exhausted

    def _fifo_select(
        self, q: Queue, now: int, oldest: int, limit: int
    ) -> tuple[list[int], list[int]]:
        """FIFO queues, under the queue row's lock: what :func:`headrace.broker.fifo.select`
        takes (§4.1.7) and the exhausted heads it moves (§4.1.2)."""
        self._conn.execute("SELECT 1 FROM hr_queue WHERE id = %s FOR UPDATE", (q.id,))
        max_receive = None if q.dead_letter is None else q.dead_letter.max_receive_count
        return pg_queue_reads.fifo_select(self._conn, q.id, now, oldest, limit, max_receive)

    def _move(self, seqs: Sequence[int], queue_id: int, restart: bool, now: int) -> None:
        self._conn.execute(q_sql.MOVE_LISTED, (queue_id, now, restart, now, list(seqs)))

    # -- delete and visibility ---------------------------------------------------------

    def delete_messages(self, queue: str, receipt_handles: Sequence[str]) -> list[bool]:
        q = self.queue(queue)
        with self._conn.transaction():
            results, chosen = self._match(q, receipt_handles, in_flight_only=False)
            if chosen:
                self._conn.execute("DELETE FROM hr_queue_message WHERE seq = ANY(%s)", (chosen,))
        self._tally.deleted += len(chosen)
        return results

    def change_visibility(
        self, queue: str, receipt_handles: Sequence[str], visibility_timeout: int
    ) -> list[bool]:
        check_visibility_timeout(visibility_timeout)
        q = self.queue(queue)
        with self._conn.transaction():
            results, chosen = self._match(q, receipt_handles, in_flight_only=True)
            if chosen:
                self._conn.execute(
                    "UPDATE hr_queue_message SET visible_at = %s WHERE seq = ANY(%s)",
                    (self._now() + visibility_timeout * 1000, chosen),
                )
        if chosen:
            self.notify(q.arn)
        return results

    def _match(
        self, q: Queue, receipt_handles: Sequence[str], *, in_flight_only: bool
    ) -> tuple[list[bool], list[int]]:
        """Inside the caller's transaction: the handles' rows locked, then matched."""
        parsed = [sql.parse_handle(h) for h in receipt_handles]
        seqs = [p[0] for p in parsed if p is not None]
        rows = self._conn.execute(q_sql.CURRENT_RECEIPTS, (seqs, q.id)).fetchall()
        current = {int(seq): (int(receipt), int(visible)) for seq, receipt, visible in rows}
        return sql.match_handles(parsed, current, self._now(), in_flight_only)

    # -- whole queues ------------------------------------------------------------------

    def purge_queue(self, queue: str) -> int:
        q = self.queue(queue)
        with self._conn.transaction():
            return self._conn.execute(
                "DELETE FROM hr_queue_message WHERE queue_id = %s", (q.id,)
            ).rowcount

    def queue_depth(self, queue: str) -> QueueDepth:
        q = self.queue(queue)
        now = self._now()
        with self._conn.transaction():
            return pg_queue_reads.depth(self._conn, q.id, now, q.retention_start(now))

    def next_visible_at(self, queue: str) -> float | None:
        q = self.queue(queue)
        with self._conn.transaction():
            found = pg_queue_reads.next_visible_at(self._conn, q.id, self._now())
        return None if found is None else found / 1000

    def has_receivable(self, queue: str) -> bool:
        q = self.queue(queue)
        now = self._now()
        oldest = q.retention_start(now)
        with self._conn.transaction():
            if not q.fifo:
                return pg_queue_reads.has_visible(self._conn, q.id, now, oldest)
            take, exhausted = pg_queue_reads.fifo_select(self._conn, q.id, now, oldest, 1, None)
            return bool(take or exhausted)

    def peek_messages(self, queue: str, limit: int) -> list[PeekedMessage]:
        q = self.queue(queue)
        now = self._now()
        with self._conn.transaction():
            rows = self._conn.execute(q_sql.PEEK, (q.id, q.retention_start(now), limit)).fetchall()
        return [
            PeekedMessage(
                message_id=str(message_id),
                body=str(body),
                sent_timestamp=int(sent),
                receive_count=int(count),
                in_flight=count > 0 and visible_at > now,
                message_group_id=group,
                message_attributes=decode_attributes(blob),
            )
            for message_id, body, sent, count, visible_at, group, blob in rows
        ]

    def move_messages(self, source: str, target: str, limit: int | None = None) -> int:
        src, dst = self.queue(source), self.queue(target)
        if dst.fifo and not src.fifo:
            raise InvalidParameterValue(
                "Destination queue must be of the same type as the source queue."
            )
        now = self._now()
        with self._conn.transaction():
            seqs = pg_queue_reads.visible_in_send_order(
                self._conn, src.id, now, src.retention_start(now), limit
            )
            self._move(seqs, dst.id, dst.fifo, now)
        if seqs:
            self.notify(dst.arn)
        return len(seqs)

    # -- lifecycle ---------------------------------------------------------------------

    def statistics(self) -> BrokerStatistics:
        return self._tally.snapshot()

    def close(self) -> None:
        self._conn.close()

    def _now(self) -> int:
        return int(self._clock.time() * 1000)


def _row(
    queue_id: int, message_id: str, m: Outgoing, now: int, number: str | None
) -> tuple[object, ...]:
    return (
        queue_id,
        message_id,
        m.body,
        m.md5_of_body,
        m.attributes_blob,
        m.md5_of_message_attributes,
        now,
        now,
        now + m.delay_seconds * 1000,
        m.group_id,
        m.dedup_id,
        number,
    )
