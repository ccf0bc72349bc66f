"""The embedded broker's queues: SQS semantics over one SQLite file.

:class:`QueueBroker` is synchronous and thread-safe; the engine calls it from one broker
thread (see :mod:`headrace.broker.embedded`), the CLI calls it directly. Several processes
may open the same file at once. Deliberate differences from SQS are listed in
``docs/broker.md``: a stale receipt handle deletes nothing, standard queues hand out
messages in send order, and :meth:`QueueBroker.receive_messages` has no 10-message cap
(the SQS-shaped :meth:`~headrace.broker.queue_api.SqsApi.receive_message` keeps it).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from operator import itemgetter
from pathlib import Path

from headrace.broker import fifo, receiving, sql
from headrace.broker.queue_api import SqsApi, check_visibility_timeout
from headrace.broker.queue_catalog import (
    Catalog,
    Queue,
    check_same_attributes,
    created_rows,
    delete_rows,
    ensure_rows,
    remember_created,
    update_created,
)
from headrace.broker.queue_results import (
    BrokerStatistics,
    PeekedMessage,
    QueueCounters,
    SendResult,
)
from headrace.broker.queue_store import Database
from headrace.broker.queue_validation import Outgoing
from headrace.broker.receiving import Exchange
from headrace.broker.wake_socket import WakeSender, wake_address
from headrace.clock import Clock, SystemClock
from headrace.config.model import QueueConfig
from headrace.errors import InvalidParameterValue
from headrace.events import QueueMessage
from headrace.statistics import QueueDepth

# How often (clock time) a queue's expired messages and closed deduplication windows are
# deleted. Expired messages are never returned or counted in between; this only frees space.
SWEEP_INTERVAL_MS = 10_000


class QueueBroker(SqsApi):
    """The declared queues of one broker file, with SQS's semantics.

    ``queues`` maps queue names to their config. ``notify`` is called with a queue's ARN
    after every committed change that can make a message receivable (a send, a visibility
    change, a move); by default it sends a wake-up datagram to the ``headrace run``
    listening on ``path``'s folder. Errors are SQS's (``headrace.errors``); storage
    failures are :class:`~headrace.errors.BrokerError`.
    """

    def __init__(
        self,
        path: Path,
        queues: Mapping[str, QueueConfig],
        *,
        region: str,
        account: str,
        clock: Clock | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self._clock = clock or SystemClock()
        self._sender_id = account
        self._wake_sender: WakeSender | None = None
        if notify is None:
            self._wake_sender = WakeSender(wake_address(path.parent))
            notify = self._wake_sender.notify
        self._notify = notify
        self._db = Database(path)
        self._counters = QueueCounters()
        self._next_sweep: dict[int, int] = {}
        self._resolved: dict[str, Queue] = {}
        with self._db.write() as conn:
            rows = ensure_rows(conn, queues, int(self._clock.time()))
            created = created_rows(conn, queues)
        self._catalog = Catalog(rows, queues, region=region, account=account)
        self._catalog.add_created(created)

    # -- queues -----------------------------------------------------------------------

    @property
    def queue_names(self) -> list[str]:
        """The queues' names: the declared ones, then those made through CreateQueue."""
        return self._catalog.names()

    def queue(self, queue: str) -> Queue:
        """The queue ``queue`` names (name or ARN); QueueDoesNotExist otherwise."""
        return self._queue(queue)

    def create_queue(
        self, name: str, config: QueueConfig, *, given: Collection[str] | None = None
    ) -> Queue:
        """CreateQueue: make ``name`` and keep it in the file until deleted.

        An existing queue is returned if the attributes ``given`` (None: all) match its
        own, else QueueNameExists. A created queue is catalogued by every broker that opens
        the file afterwards (``headrace send``, the next ``headrace run``); a broker opened
        before learns of it when it opens again.
        """
        if name in self._catalog.names():
            existing = self._catalog.get(name)
            check_same_attributes(existing.config, config, given)
            return existing
        with self._db.write() as conn:
            rows = ensure_rows(conn, {name: config}, int(self._clock.time()))
            queue = self._catalog.add(name, config, rows[name])  # raising rolls the row back
            remember_created(conn, queue.id, config)
        return queue

    def set_queue_attributes(self, queue: str, config: QueueConfig) -> Queue:
        """SetQueueAttributes: the queue's attributes become ``config``'s.

        Kept in the file for a queue made through CreateQueue; a declared queue's new
        attributes last until the next start, which reads them from the config again.
        """
        q = self._queue(queue)
        with self._db.write() as conn:
            changed = self._catalog.replace(q.name, config)
            update_created(conn, q.id, config)
        self._resolved.clear()
        self._notify(changed.arn)
        return changed

    def delete_queue(self, queue: str) -> None:
        """Delete the queue and its messages (DeleteQueue); QueueDoesNotExist if unknown."""
        q = self._queue(queue)
        with self._db.write() as conn:
            delete_rows(conn, q.id)
        self._catalog.remove(q.name)
        self._resolved = {k: v for k, v in self._resolved.items() if v.id != q.id}

    def _queue(self, queue: str) -> Queue:
        # Names and ARNs resolved once: the engine names its queue on every call.
        found = self._resolved.get(queue)
        if found is None:
            found = self._resolved[queue] = self._catalog.get(queue)
        return found

    # -- send -------------------------------------------------------------------------

    def _send_prepared(self, queue: Queue, messages: Sequence[Outgoing]) -> list[SendResult]:
        with self._db.write() as conn:
            now = self._now()
            results = [self._insert(conn, queue, message, now) for message in messages]
        if any(not r.duplicate for r in results):
            self._notify(queue.arn)
        return results

    def _insert(
        self, conn: sqlite3.Connection, queue: Queue, message: Outgoing, now: int
    ) -> SendResult:
        sequence_number = None
        if queue.fifo:
            assert message.dedup_id is not None  # validation fills it on FIFO queues
            duplicate = fifo.find_duplicate(conn, queue.id, message.dedup_id, now)
            if duplicate is not None:
                self._counters.duplicates += 1
                return message.sent(*duplicate, duplicate=True)
            sequence_number = fifo.next_sequence_number(conn, queue.id)
        message_id = str(uuid.uuid4())
        sql.insert(conn, queue.id, message_id, message, now, sequence_number)
        if sequence_number is not None:
            fifo.remember(conn, queue.id, message.dedup_id or "", message_id, sequence_number, now)
        self._counters.sent += 1
        return message.sent(message_id, sequence_number)

    # -- receive ----------------------------------------------------------------------

    def receive_messages(
        self, queue: str, max_messages: int, *, visibility_timeout: int | None = None
    ) -> list[QueueMessage]:
        """Receive up to ``max_messages`` visible messages in one transaction; never waits.

        Each is hidden for ``visibility_timeout`` seconds (default: the queue's), counted,
        and gets a new receipt handle (the previous one goes stale). A message already
        received maxReceiveCount times is moved to the dead-letter queue instead (§4.1.2).
        FIFO queues skip groups with a message in flight (§4.1.7). No upper cap here.
        """
        q = self._queue(queue)
        timeout = receiving.visibility_for(q, visibility_timeout)
        if max_messages <= 0:
            return []
        with self._db.write() as conn:
            now = self._now()  # read once the write lock is ours: waiting must not count
            rows, moved = self._receive_in(conn, q, now, max_messages, timeout)
        if moved and q.dead_letter is not None:
            self._notify(q.dead_letter.arn)
        return self._messages(rows)

    def delete_and_receive(
        self,
        queue: str,
        deletes: Sequence[Sequence[str]],
        receives: Sequence[int],
        *,
        visibility_timeout: int | None = None,
    ) -> Exchange:
        """Several deletes, then several receives, in one write transaction.

        Each entry of ``deletes`` (receipt handles) is answered as :meth:`delete_messages`
        answers it, each entry of ``receives`` (a max_messages) as :meth:`receive_messages`
        does, in order. What several lanes ask of a queue at once costs one commit.
        """
        q = self._queue(queue)
        timeout = receiving.visibility_for(q, visibility_timeout)
        moved = 0
        received: list[list[sql.Row]] = []
        with self._db.write() as conn:
            now = self._now()
            deleted = [self._delete_in(conn, q, handles, now) for handles in deletes]
            if q.fifo:
                # One receive each: a later one must see the groups an earlier one took.
                for max_messages in receives:
                    rows, count = self._receive_in(conn, q, now, max_messages, timeout)
                    received.append(rows)
                    moved += count
            elif receives:
                # One statement for all, shared out in send order: no order to keep.
                rows, moved = self._receive_in(conn, q, now, sum(receives), timeout)
                received = receiving.share_out(rows, receives)
        if moved and q.dead_letter is not None:
            self._notify(q.dead_letter.arn)
        return Exchange(deleted, [self._messages(rows) for rows in received])

    def _receive_in(
        self, conn: sqlite3.Connection, q: Queue, now: int, limit: int, timeout: int
    ) -> tuple[list[sql.Row], int]:
        """Receive inside the caller's transaction: (rows, how many were dead-lettered)."""
        if limit <= 0:
            return [], 0
        self._sweep_if_due(conn, q, now)
        receive = receiving.receive_fifo if q.fifo else receiving.receive_standard
        rows, moved = receive(conn, q, now, limit, now + timeout * 1000)
        self._counters.received += len(rows)
        self._counters.moved_to_dead_letter += moved
        return rows, moved

    def _messages(self, rows: list[sql.Row]) -> list[QueueMessage]:
        rows.sort(key=itemgetter(0))
        sender = self._sender_id
        return [sql.to_message(row, sender) for row in rows]

    def _sweep_if_due(self, conn: sqlite3.Connection, q: Queue, now: int) -> None:
        if now < self._next_sweep.get(q.id, 0):
            return
        self._next_sweep[q.id] = now + SWEEP_INTERVAL_MS
        self._counters.expired += sql.delete_expired(conn, q.id, q.retention_start(now))
        if q.fifo:
            fifo.forget_expired(conn, q.id, now)

    # -- delete and visibility ---------------------------------------------------------

    def delete_messages(self, queue: str, receipt_handles: Sequence[str]) -> list[bool]:
        """Delete messages by receipt handle; True for each one deleted by this call.

        A handle that is malformed, stale (its message was received again since, or moved)
        or names a message already gone deletes nothing and gets False.
        """
        q = self._queue(queue)
        return self._by_handles(q, receipt_handles, self._delete_current)

    def _delete_current(self, conn: sqlite3.Connection, q: Queue, seqs: list[int]) -> None:
        self._counters.deleted += sql.delete_listed(conn, seqs)

    def _delete_in(
        self, conn: sqlite3.Connection, q: Queue, receipt_handles: Sequence[str], now: int
    ) -> list[bool]:
        """:meth:`delete_messages` inside the caller's transaction."""
        parsed = [sql.parse_handle(h) for h in receipt_handles]
        valid = [p for p in parsed if p is not None]
        if not valid:
            return [False] * len(parsed)
        current = sql.current_handles(conn, q.id, valid)
        results, chosen = sql.match_handles(parsed, current, now, False)
        if chosen:
            self._delete_current(conn, q, chosen)
        return results

    def change_visibility(
        self, queue: str, receipt_handles: Sequence[str], visibility_timeout: int
    ) -> list[bool]:
        """Make in-flight messages visible again ``visibility_timeout`` seconds from now.

        True for each message changed. A message that is not in flight, or whose handle is
        stale or malformed, is left alone and gets False (0 makes a message visible now).
        """
        check_visibility_timeout(visibility_timeout)
        q = self._queue(queue)

        def hide(conn: sqlite3.Connection, q: Queue, seqs: list[int]) -> None:
            sql.hide_listed(conn, seqs, self._now() + visibility_timeout * 1000)

        changed = self._by_handles(q, receipt_handles, hide, in_flight_only=True)
        if any(changed):
            self._notify(q.arn)
        return changed

    def _by_handles(
        self,
        q: Queue,
        receipt_handles: Sequence[str],
        action: Callable[[sqlite3.Connection, Queue, list[int]], None],
        *,
        in_flight_only: bool = False,
    ) -> list[bool]:
        """Apply ``action`` to the messages whose handles are current; report which were."""
        parsed = [sql.parse_handle(h) for h in receipt_handles]
        valid = [p for p in parsed if p is not None]
        if not valid:
            return [False] * len(parsed)
        with self._db.write() as conn:
            now = self._now()
            current = sql.current_handles(conn, q.id, valid)
            results, chosen = sql.match_handles(parsed, current, now, in_flight_only)
            if chosen:
                action(conn, q, chosen)
        return results

    # -- whole queues ------------------------------------------------------------------

    def purge_queue(self, queue: str) -> int:
        """Delete every message of the queue, in flight or not; return how many."""
        q = self._queue(queue)
        with self._db.write() as conn:
            return conn.execute("DELETE FROM messages WHERE queue_id = ?", (q.id,)).rowcount

    def queue_depth(self, queue: str) -> QueueDepth:
        """How many messages are visible, in flight and delayed (expired ones not counted)."""
        q = self._queue(queue)
        now = self._now()
        with self._db.read() as conn:
            return sql.depth(conn, q.id, now, q.retention_start(now))

    def next_visible_at(self, queue: str) -> float | None:
        """Epoch seconds at which the next delayed or in-flight message becomes visible."""
        q = self._queue(queue)
        with self._db.read() as conn:
            at = sql.next_visible_at(conn, q.id, self._now())
        return None if at is None else at / 1000

    def has_receivable(self, queue: str) -> bool:
        """Whether a receive now would return (or dead-letter) a message. Changes nothing."""
        q = self._queue(queue)
        now = self._now()
        with self._db.read() as conn:
            if not q.fifo:
                return sql.has_visible(conn, q.id, now, q.retention_start(now))
            chosen = fifo.select(
                conn, q.id, now=now, oldest=q.retention_start(now), limit=1, max_receive=None
            )
            return bool(chosen.take)

    # -- dead-letter queues ------------------------------------------------------------

    def peek_messages(self, queue: str, limit: int) -> list[PeekedMessage]:
        """Up to ``limit`` messages in send order, read without receiving them."""
        q = self._queue(queue)
        now = self._now()
        with self._db.read() as conn:
            return sql.peek(conn, q.id, now, q.retention_start(now), limit)

    def move_messages(self, source: str, target: str, limit: int | None = None) -> int:
        """Move visible messages from ``source`` to ``target`` in send order; return how many.

        As SQS's StartMessageMoveTask: same message id, body and attributes, receive count
        reset, visible at once. In-flight messages stay. A standard source cannot feed a
        FIFO target (its messages have no group): InvalidParameterValue.
        """
        src, dst = self._queue(source), self._queue(target)
        if dst.fifo and not src.fifo:
            raise InvalidParameterValue(
                "Destination queue must be of the same type as the source queue."
            )
        with self._db.write() as conn:
            now = self._now()
            seqs = sql.visible_in_send_order(conn, src.id, now, src.retention_start(now), limit)
            moved = sql.move_listed(conn, seqs, sql.Target(dst.id, dst.fifo), now)
        if moved:
            self._notify(dst.arn)
        return moved

    # -- lifecycle ---------------------------------------------------------------------

    def statistics(self) -> BrokerStatistics:
        """Counters since this broker was opened (this process only)."""
        return self._counters.snapshot()

    def close(self) -> None:
        """Close the file (and the wake-up socket)."""
        self._db.close()
        if self._wake_sender is not None:
            self._wake_sender.close()

    def _now(self) -> int:
        return int(self._clock.time() * 1000)
