"""The in-memory queue core: SQS's semantics in dicts, on the injected clock.

:class:`MemoryQueueCore` is the synchronous core behind
:class:`~headrace.testing.memory_queue_storage.MemoryQueueStorage`. It keeps what the SQLite
broker keeps (visibility, receive counts, receipt generations, FIFO groups, the 5-minute
deduplication window, maxReceiveCount redrive, retention) and answers the same way; SQS's
request checks come from the shared :class:`~headrace.broker.queue_api.SqsApi` base. Receipt
handles have the SQLite broker's shape (``<seq>-<receipt>``).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

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
from headrace.statistics import QueueDepth


@dataclass(slots=True)
class _Message:
    seq: int
    queue_id: int
    message_id: str
    message: Outgoing
    sent_at: int
    enqueued_at: int
    visible_at: int
    sequence_number: str | None
    receive_count: int = 0
    first_receive_at: int | None = None
    receipt: int = 0

    def row(self) -> sql.Row:
        """The message in the SQLite broker's row shape (for :func:`sql.to_message`)."""
        m = self.message
        return (
            self.seq,
            self.message_id,
            m.body,
            m.md5_of_body,
            m.attributes_blob,
            m.md5_of_message_attributes,
            self.sent_at,
            self.receive_count,
            self.first_receive_at,
            self.receipt,
            m.group_id,
            m.dedup_id,
            self.sequence_number,
        )


@dataclass(slots=True)
class _Rows:
    """Queue rows as the SQLite file keeps them: id, CreatedTimestamp, sequence counter."""

    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    created: dict[str, tuple[int, int]] = field(default_factory=dict)
    last_sequence: dict[int, int] = field(default_factory=dict)

    def ensure(self, name: str, now_s: int) -> tuple[int, int]:
        if name not in self.created:
            self.created[name] = (next(self.ids), now_s)
        return self.created[name]


class MemoryQueueCore(SqsApi):
    """Declared queues held in memory; ``notify`` hears each queue ARN that may have work."""

    def __init__(
        self,
        queues: Mapping[str, QueueConfig],
        *,
        region: str,
        account: str,
        clock: Clock,
        notify: Callable[[str], None],
    ) -> None:
        self._clock = clock
        self._account = account
        self.notify = notify
        self._rows = _Rows()
        now_s = int(clock.time())
        rows = {name: self._rows.ensure(name, now_s) for name in queues}
        self._catalog = Catalog(rows, queues, region=region, account=account)
        self._messages: dict[int, _Message] = {}
        self._dedup: dict[tuple[int, str], tuple[str, str, int]] = {}
        self._seqs = itertools.count(1)
        self._tally = QueueCounters()

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
        row = self._rows.ensure(name, int(self._clock.time()))
        try:
            return self._catalog.add(name, config, row)
        except InvalidParameterValue:
            self._rows.created.pop(name, None)
            raise

    def set_queue_attributes(self, queue: str, config: QueueConfig) -> Queue:
        changed = self._catalog.replace(self.queue(queue).name, config)
        self.notify(changed.arn)
        return changed

    def delete_queue(self, queue: str) -> None:
        q = self.queue(queue)
        self._drop(m.seq for m in self._of(q.id))
        self._dedup = {k: v for k, v in self._dedup.items() if k[0] != q.id}
        self._rows.created.pop(q.name, None)
        self._catalog.remove(q.name)

    # -- send -------------------------------------------------------------------------

    def _send_prepared(self, queue: Queue, messages: Sequence[Outgoing]) -> list[SendResult]:
        now = self._now()
        results = [self._insert(queue, message, now) for message in messages]
        if any(not r.duplicate for r in results):
            self.notify(queue.arn)
        return results

    def _insert(self, q: Queue, message: Outgoing, now: int) -> SendResult:
        number = None
        if q.fifo:
            key = (q.id, message.dedup_id or "")
            found = self._dedup.get(key)
            if found is not None and found[2] > now:
                self._tally.duplicates += 1
                return message.sent(found[0], found[1], duplicate=True)
            counter = self._rows.last_sequence.get(q.id, 0) + 1
            self._rows.last_sequence[q.id] = counter
            number = f"{counter:0{SEQUENCE_NUMBER_DIGITS}d}"
        message_id = str(uuid.uuid4())
        if number is not None:
            self._dedup[(q.id, message.dedup_id or "")] = (
                message_id,
                number,
                now + DEDUPLICATION_WINDOW_MS,
            )
        seq = next(self._seqs)
        visible_at = now + message.delay_seconds * 1000
        self._messages[seq] = _Message(seq, q.id, message_id, message, now, now, visible_at, number)
        self._tally.sent += 1
        return message.sent(message_id, number)

    # -- receive ----------------------------------------------------------------------

    def receive_messages(
        self, queue: str, max_messages: int, *, visibility_timeout: int | None = None
    ) -> list[QueueMessage]:
        q = self.queue(queue)
        timeout = visibility_for(q, visibility_timeout)
        return self._receive(q, max_messages, timeout)

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
        shares = [list(itertools.islice(messages, max(n, 0))) for n in receives]
        return Exchange(deleted, shares)

    def _receive(self, q: Queue, limit: int, timeout: int) -> list[QueueMessage]:
        if limit <= 0:
            return []
        now = self._now()
        self._expire(q, now)
        take, exhausted = self._select(q, now, limit)
        if exhausted and q.dead_letter is not None:
            self._move(exhausted, q.dead_letter.target.queue_id, q.dead_letter.target.fifo, now)
            self._tally.moved_to_dead_letter += len(exhausted)
            self.notify(q.dead_letter.arn)
        for m in take:
            m.visible_at = now + timeout * 1000
            m.receive_count += 1
            m.first_receive_at = m.first_receive_at or now
            m.receipt += 1
        self._tally.received += len(take)
        return [sql.to_message(m.row(), self._account) for m in sorted(take, key=_by_seq)]

    def _select(self, q: Queue, now: int, limit: int) -> tuple[list[_Message], list[_Message]]:
        """What a receive takes, and the exhausted messages it moves instead (§4.1.2)."""
        max_receive = None if q.dead_letter is None else q.dead_letter.max_receive_count
        if q.fifo:
            return _fifo_select(self._of(q.id), now, q.retention_start(now), limit, max_receive)
        visible = sorted(
            (m for m in self._live(q, now) if m.visible_at <= now),
            key=lambda m: (m.visible_at, m.seq),
        )
        take: list[_Message] = []
        exhausted: list[_Message] = []
        for m in visible:  # the SQLite broker's order: oldest visibility first
            if len(take) >= limit:
                break
            if max_receive is not None and m.receive_count >= max_receive:
                exhausted.append(m)
            else:
                take.append(m)
        return take, exhausted

    # -- delete and visibility ---------------------------------------------------------

    def delete_messages(self, queue: str, receipt_handles: Sequence[str]) -> list[bool]:
        q = self.queue(queue)
        results, chosen = self._match(q, receipt_handles, in_flight_only=False)
        self._drop(chosen)
        self._tally.deleted += len(chosen)
        return results

    def change_visibility(
        self, queue: str, receipt_handles: Sequence[str], visibility_timeout: int
    ) -> list[bool]:
        check_visibility_timeout(visibility_timeout)
        q = self.queue(queue)
        results, chosen = self._match(q, receipt_handles, in_flight_only=True)
        for seq in chosen:
            self._messages[seq].visible_at = self._now() + visibility_timeout * 1000
        if chosen:
            self.notify(q.arn)
        return results

    def _match(
        self, q: Queue, receipt_handles: Sequence[str], *, in_flight_only: bool
    ) -> tuple[list[bool], list[int]]:
        parsed = [sql.parse_handle(h) for h in receipt_handles]
        current = {
            m.seq: (m.receipt, m.visible_at)
            for p in parsed
            if p is not None and (m := self._messages.get(p[0])) is not None
            if m.queue_id == q.id
        }
        return sql.match_handles(parsed, current, self._now(), in_flight_only)

    # -- whole queues ------------------------------------------------------------------

    def purge_queue(self, queue: str) -> int:
        seqs = [m.seq for m in self._of(self.queue(queue).id)]
        self._drop(seqs)
        return len(seqs)

    def queue_depth(self, queue: str) -> QueueDepth:
        q = self.queue(queue)
        now = self._now()
        live = list(self._live(q, now))
        hidden = [m for m in live if m.visible_at > now]
        return QueueDepth(
            visible=len(live) - len(hidden),
            in_flight=sum(1 for m in hidden if m.receive_count > 0),
            delayed=sum(1 for m in hidden if m.receive_count == 0),
        )

    def next_visible_at(self, queue: str) -> float | None:
        now = self._now()
        later = [m.visible_at for m in self._of(self.queue(queue).id) if m.visible_at > now]
        return min(later) / 1000 if later else None

    def has_receivable(self, queue: str) -> bool:
        q = self.queue(queue)
        take, exhausted = self._select(q, self._now(), 1)
        return bool(take or exhausted)

    def peek_messages(self, queue: str, limit: int) -> list[PeekedMessage]:
        q = self.queue(queue)
        now = self._now()
        return [_peeked(m, now) for m in sorted(self._live(q, now), key=_by_seq)[:limit]]

    def move_messages(self, source: str, target: str, limit: int | None = None) -> int:
        src, dst = self.queue(source), self.queue(target)
        if dst.fifo and not src.fifo:
            raise InvalidParameterValue(
                "Destination queue must be of the same type as the source queue."
            )
        now = self._now()
        visible = sorted((m for m in self._live(src, now) if m.visible_at <= now), key=_by_seq)
        chosen = visible if limit is None else visible[:limit]
        self._move(chosen, dst.id, dst.fifo, now)
        if chosen:
            self.notify(dst.arn)
        return len(chosen)

    # -- lifecycle ---------------------------------------------------------------------

    def statistics(self) -> BrokerStatistics:
        return self._tally.snapshot()

    def close(self) -> None:
        """Nothing to release."""

    # -- helpers -----------------------------------------------------------------------

    def _now(self) -> int:
        return int(self._clock.time() * 1000)

    def _of(self, queue_id: int) -> list[_Message]:
        return [m for m in self._messages.values() if m.queue_id == queue_id]

    def _live(self, q: Queue, now: int) -> list[_Message]:
        oldest = q.retention_start(now)
        return [m for m in self._of(q.id) if m.enqueued_at > oldest]

    def _expire(self, q: Queue, now: int) -> None:
        oldest = q.retention_start(now)
        gone = [m.seq for m in self._of(q.id) if m.enqueued_at <= oldest]
        self._drop(gone)
        self._tally.expired += len(gone)
        if q.fifo:
            self._dedup = {k: v for k, v in self._dedup.items() if v[2] > now}

    def _drop(self, seqs: Iterable[int]) -> None:
        for seq in list(seqs):
            self._messages.pop(seq, None)

    @staticmethod
    def _move(messages: Sequence[_Message], queue_id: int, restart: bool, now: int) -> None:
        """As the SQLite broker moves: counts reset, old handles stale, visible now."""
        for m in messages:
            m.queue_id, m.receive_count, m.first_receive_at = queue_id, 0, None
            m.receipt += 1
            m.visible_at = now
            if restart:  # FIFO targets restart the retention period
                m.enqueued_at = now


def _fifo_select(
    messages: list[_Message], now: int, oldest: int, limit: int, max_receive: int | None
) -> tuple[list[_Message], list[_Message]]:
    """As :func:`headrace.broker.fifo.select`: a group with a message in flight is skipped,
    a delayed message stops its group, exhausted heads are moved (§4.1.7, §4.1.2)."""
    ordered = sorted(messages, key=_by_seq)
    stopped = {m.message.group_id for m in ordered if m.visible_at > now and m.receive_count > 0}
    take: list[_Message] = []
    exhausted: list[_Message] = []
    for m in ordered:
        group = m.message.group_id
        if group in stopped or m.enqueued_at <= oldest:
            continue
        if m.visible_at > now:
            stopped.add(group)
        elif max_receive is not None and m.receive_count >= max_receive:
            exhausted.append(m)
        else:
            take.append(m)
            if len(take) >= limit:
                break
    return take, exhausted


def _by_seq(m: _Message) -> int:
    return m.seq


def _peeked(m: _Message, now: int) -> PeekedMessage:
    return PeekedMessage(
        message_id=m.message_id,
        body=m.message.body,
        sent_timestamp=m.sent_at,
        receive_count=m.receive_count,
        in_flight=m.receive_count > 0 and m.visible_at > now,
        message_group_id=m.message.group_id,
        message_attributes=decode_attributes(m.message.attributes_blob),
    )
