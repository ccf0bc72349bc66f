"""An in-memory queue with SQS semantics, for engine tests and users' own tests.

It keeps what the engine relies on: visibility timeouts, receive counts, redrive to a
dead-letter queue on receive, FIFO group blocking and stale receipt handles. Time comes from
the injected clock, so tests drive visibility timeouts with a ``FakeClock``. Not durable.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from headrace.clock import Clock, SystemClock
from headrace.events import QueueMessage
from headrace.sources.queue_core import SqsCore
from headrace.statistics import QueueDepth


@dataclass(slots=True)
class _Entry:
    message_id: str
    body: str
    group_id: str | None
    sent_ms: int
    visible_at: float
    receive_count: int = 0
    first_receive_ms: int | None = None
    token: int = 0
    sequence: int = 0


@dataclass(slots=True)
class InMemoryQueueSource(SqsCore):
    """A queue in a Python list. ``send`` puts a message; the engine reads it as a source."""

    arn: str
    clock: Clock = field(default_factory=SystemClock)
    visibility_timeout: int = 30
    fifo: bool = False
    max_receive_count: int | None = None
    dead_letter_queue: InMemoryQueueSource | None = None
    _entries: list[_Entry] = field(default_factory=list)
    _tokens: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _sequence: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    receive_calls: int = 0
    # Errors to raise from the next calls, by method name ("receive", "delete"): lets tests
    # show that a failing source loses nothing.
    faults: dict[str, list[Exception]] = field(default_factory=dict)

    def send(self, body: str, *, group_id: str | None = None, delay_seconds: int = 0) -> str:
        """Enqueue a message; returns its message id."""
        now = self.clock.time()
        entry = _Entry(
            message_id=str(uuid.uuid4()),
            body=body,
            group_id=group_id,
            sent_ms=int(now * 1000),
            visible_at=now + delay_seconds,
            sequence=next(self._sequence),
        )
        self._entries.append(entry)
        self._changed.set()
        return entry.message_id

    @property
    def bodies(self) -> list[str]:
        """Bodies of every message still in the queue, in send order."""
        return [e.body for e in self._entries]

    async def wait_visible(self, timeout: float) -> bool:
        deadline = self.clock.monotonic() + timeout
        while True:
            if self._eligible(self.clock.time()):
                return True
            remaining = deadline - self.clock.monotonic()
            if remaining <= 0:
                return False
            wake_in = self._next_visible_in(self.clock.time())
            await self._wait_change(min(remaining, wake_in if wake_in is not None else remaining))

    async def receive(
        self, max_messages: int, *, wait_seconds: float, visibility_timeout: int | None = None
    ) -> list[QueueMessage]:
        self.receive_calls += 1
        self._raise_fault("receive")
        if wait_seconds > 0:
            await self.wait_visible(wait_seconds)
        now = self.clock.time()
        timeout = self.visibility_timeout if visibility_timeout is None else visibility_timeout
        out: list[QueueMessage] = []
        for entry in self._eligible(now):
            if len(out) >= max_messages:
                break
            if self._redrive(entry):
                continue
            entry.receive_count += 1
            entry.first_receive_ms = entry.first_receive_ms or int(now * 1000)
            entry.token = next(self._tokens)
            entry.visible_at = now + timeout
            out.append(self._message(entry))
        return out

    async def delete(self, messages: Sequence[QueueMessage]) -> int:
        self._raise_fault("delete")
        wanted = {m.receipt_handle for m in messages}
        kept = [e for e in self._entries if self._handle(e) not in wanted]
        deleted = len(self._entries) - len(kept)
        self._entries = kept
        self._changed.set()
        return deleted

    async def change_visibility(self, messages: Sequence[QueueMessage], timeout: int) -> None:
        wanted = {m.receipt_handle for m in messages}
        now = self.clock.time()
        for entry in self._entries:
            if self._handle(entry) in wanted:
                entry.visible_at = now + timeout
        self._changed.set()

    async def depth(self) -> QueueDepth:
        now = self.clock.time()
        in_flight = sum(1 for e in self._entries if e.receive_count and e.visible_at > now)
        delayed = sum(1 for e in self._entries if not e.receive_count and e.visible_at > now)
        return QueueDepth(len(self._entries) - in_flight - delayed, in_flight, delayed)

    async def aclose(self) -> None:
        self._changed.set()

    def _raise_fault(self, method: str) -> None:
        pending = self.faults.get(method)
        if pending:
            raise pending.pop(0)

    def _eligible(self, now: float) -> list[_Entry]:
        visible = [e for e in self._entries if e.visible_at <= now]
        if not self.fifo:
            return visible
        # A group with a message in flight is blocked; otherwise its visible messages are
        # handed out in order up to the first one that is not visible yet.
        stopped = {e.group_id for e in self._entries if e.receive_count and e.visible_at > now}
        out = []
        for entry in sorted(self._entries, key=lambda e: e.sequence):
            if entry.group_id in stopped:
                continue
            if entry.visible_at <= now:
                out.append(entry)
            else:
                stopped.add(entry.group_id)
        return out

    def _redrive(self, entry: _Entry) -> bool:
        if self.max_receive_count is None or entry.receive_count < self.max_receive_count:
            return False
        self._entries.remove(entry)
        if self.dead_letter_queue is not None:
            self.dead_letter_queue.send(entry.body, group_id=entry.group_id)
        return True

    def _next_visible_in(self, now: float) -> float | None:
        future = [e.visible_at - now for e in self._entries if e.visible_at > now]
        return min(future) if future else None

    async def _wait_change(self, timeout: float) -> None:
        self._changed.clear()
        waiter = asyncio.ensure_future(self._changed.wait())
        sleeper = asyncio.ensure_future(self.clock.sleep(timeout))
        try:
            await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            sleeper.cancel()

    def _handle(self, entry: _Entry) -> str:
        return f"{entry.message_id}#{entry.token}"

    def _message(self, entry: _Entry) -> QueueMessage:
        attributes = {
            "ApproximateReceiveCount": str(entry.receive_count),
            "SentTimestamp": str(entry.sent_ms),
            "SenderId": "000000000000",
            "ApproximateFirstReceiveTimestamp": str(entry.first_receive_ms),
        }
        if self.fifo:
            attributes["SequenceNumber"] = f"{entry.sequence:020d}"
            attributes["MessageGroupId"] = entry.group_id or ""
        return QueueMessage(
            message_id=entry.message_id,
            receipt_handle=self._handle(entry),
            body=entry.body,
            md5_of_body=hashlib.md5(entry.body.encode()).hexdigest(),
            attributes=attributes,
        )
