"""The embedded queues as the engine reads them: a :class:`QueueSource` over any
:class:`~headrace.broker.storage_seam.QueueStorage` (SQLite, in memory, ...).

Long polls wait for what can make a message receivable, never on a timer: a send or a
visibility change (the storage's ``wait_for_change``; with SQLite also from other
processes), the moment the next delayed or in-flight message becomes visible, or the end
of the wait, whichever comes first. Waits use the injected clock.

A queue deleted while a mapping reads it (DeleteQueue) is not an error of the engine: the
source's reads raise :class:`~headrace.errors.SourceUnavailable` with Lambda's words for a
missing queue (§1.6.11), which the mapping shows as its problem while it retries; a queue
made again under the name is read again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from headrace.broker.queue_api import check_visibility_timeout
from headrace.clock import Clock
from headrace.errors import QueueDoesNotExist, SourceUnavailable
from headrace.events import QueueMessage
from headrace.owned_tasks import OwnedTasks
from headrace.sources.combining import CallCombiner, CombinedAnswer
from headrace.sources.kinds.sqs_family import QUEUE_NOT_FOUND
from headrace.sources.queue_core import SqsCore
from headrace.statistics import QueueDepth

if TYPE_CHECKING:
    from headrace.broker.embedded import EmbeddedBroker
    from headrace.broker.queue_catalog import Queue
    from headrace.broker.storage_seam import QueueStorage

# The broker's time resolution: a wait for the next visible message is never shorter, so
# a message due within the current millisecond cannot make a poll spin.
MIN_WAIT_S = 0.001
# SQS's code for a missing queue, as Lambda names it (§1.6.11).
NON_EXISTENT_QUEUE = "AWS.SimpleQueueService.NonExistentQueue"


@dataclass(slots=True)
class _Counters:
    receives: int = 0
    empty_receives: int = 0
    messages_received: int = 0
    messages_deleted: int = 0
    wakeups: int = 0
    looks_saved: int = 0


@dataclass(frozen=True, slots=True)
class EmbeddedQueueStatistics:
    """What one source did: receive calls, messages received and deleted, wake-ups."""

    receives: int
    empty_receives: int
    messages_received: int
    messages_deleted: int
    wakeups: int
    broker_calls: int  # combined delete/receive calls (see headrace.sources.combining)
    looks_saved: int  # waits that needed no look: a receive had just found nothing


class EmbeddedQueueSource(SqsCore):
    """One queue of a :class:`~headrace.broker.storage_seam.QueueStorage` as a
    :class:`~headrace.sources.source_seam.QueueSource` (any storage backend)."""

    def __init__(self, storage: QueueStorage, queue: Queue, *, clock: Clock) -> None:
        self._storage = storage
        self._queue = queue
        self._clock = clock
        self._counts = _Counters()
        # The combined broker calls and hand-backs in flight, awaited by aclose().
        self._tasks = OwnedTasks()
        self._combiner = CallCombiner(self._exchange, self._hand_back, self._tasks)
        # The last receive that found nothing: (wake-up version read before it looked, when
        # the next message becomes visible). While the version has not moved, a look would
        # find nothing either, so wait_visible need not ask the broker (standard queues).
        self._empty_look: tuple[int, float | None] | None = None

    @property
    def arn(self) -> str:
        return self._queue.arn

    @property
    def fifo(self) -> bool:
        return self._queue.fifo

    @property
    def visibility_timeout(self) -> int:
        return self._queue.config.visibility_timeout

    async def receive(
        self, max_messages: int, *, wait_seconds: float, visibility_timeout: int | None = None
    ) -> list[QueueMessage]:
        """Receive up to ``max_messages``, waiting up to ``wait_seconds`` for the first.

        Raises SQS's errors from the broker (e.g. an out-of-range visibility timeout).
        Receives and deletes of several lanes share broker calls (see
        :mod:`headrace.sources.combining`); a receive cancelled while its call runs hands
        its messages back at once instead of leaving them hidden.
        """
        if visibility_timeout is not None:
            check_visibility_timeout(visibility_timeout)
        deadline = self._clock.monotonic() + wait_seconds
        while True:
            version = self._storage.change_version(self.arn)
            try:
                poll = await self._combiner.receive(max_messages, visibility_timeout)
            except QueueDoesNotExist as exc:
                raise self._missing() from exc
            self._counts.receives += 1
            if poll.messages:
                self._counts.messages_received += len(poll.messages)
                self._empty_look = None
                return poll.messages
            self._counts.empty_receives += 1
            self._empty_look = (version, poll.next_visible_at)
            if not await self._wait(version, deadline, poll.next_visible_at):
                return []

    async def wait_visible(self, timeout: float) -> bool:
        """Wait until a receive may find a message (True) or ``timeout`` runs out (False).

        Receives nothing. Looks once (on FIFO queues a message of a group with one in
        flight does not count: it could not be received); if nothing is there, waits for
        a change to the queue (a send, a visibility change) or the moment the next message
        becomes visible, and answers True then without looking again: the caller's
        receive looks, one broker call instead of two on the way from a send to a handler.
        """
        deadline = self._clock.monotonic() + timeout
        version = self._storage.change_version(self.arn)
        look = self._empty_look
        if look is not None and look[0] == version and not self.fifo:
            # Nothing changed since a receive found the queue empty: waiting is enough.
            # (FIFO queues look again: a delete that unblocks a group sends no wake-up.)
            ready, next_at = False, look[1]
            self._counts.looks_saved += 1
        else:
            try:
                look_now = await self._storage.receivable(self.arn)
            except QueueDoesNotExist:
                return True  # the receive that follows tells the mapping (SourceUnavailable)
            ready, next_at = look_now.ready, look_now.next_visible_at
        return ready or await self._wait(version, deadline, next_at)

    async def delete(self, messages: Sequence[QueueMessage]) -> int:
        """Delete by receipt handle; return how many were deleted (stale handles are not)."""
        if not messages:
            return 0
        try:
            deleted = sum(await self._combiner.delete([m.receipt_handle for m in messages]))
        except QueueDoesNotExist as exc:
            raise self._missing() from exc
        self._counts.messages_deleted += deleted
        return deleted

    async def change_visibility(self, messages: Sequence[QueueMessage], timeout: int) -> None:
        """Set the remaining visibility timeout of in-flight messages; others are left."""
        if messages:
            handles = [m.receipt_handle for m in messages]
            try:
                await self._storage.change_visibility(self.arn, handles, timeout)
            except QueueDoesNotExist as exc:
                raise self._missing() from exc

    async def depth(self) -> QueueDepth:
        """The queue's depth; nothing once the queue is deleted (it holds nothing)."""
        try:
            return await self._storage.queue_depth(self.arn)
        except QueueDoesNotExist:
            return QueueDepth(0, 0, 0)

    def _missing(self) -> SourceUnavailable:
        """The queue is gone (DeleteQueue): Lambda's words for it (§1.6.11)."""
        return SourceUnavailable(
            QUEUE_NOT_FOUND, source_arn=self.arn, code=NON_EXISTENT_QUEUE, transient=False
        )

    def statistics(self) -> EmbeddedQueueStatistics:
        c = self._counts
        return EmbeddedQueueStatistics(
            c.receives,
            c.empty_receives,
            c.messages_received,
            c.messages_deleted,
            c.wakeups,
            self._combiner.statistics().calls,
            c.looks_saved,
        )

    async def aclose(self) -> None:
        """Wait for the broker calls in flight (a delete must land); the storage's owner
        (the :class:`EmbeddedBroker`) closes the storage itself."""
        await self._tasks.aclose()

    def _exchange(
        self, deletes: list[list[str]], receives: list[int], visibility_timeout: int | None
    ) -> Awaitable[CombinedAnswer]:
        """One combined storage call; when nothing came it also says when to look again."""
        return self._storage.exchange(
            self.arn, deletes, receives, visibility_timeout=visibility_timeout
        )

    def _hand_back(self, messages: list[QueueMessage]) -> None:
        """Make a cancelled receive's messages visible again (nobody waits for it; aclose
        does). Once closed, they become visible when their visibility timeout ends."""
        handles = [m.receipt_handle for m in messages]
        try:
            released = self._tasks.spawn(self._storage.change_visibility(self.arn, handles, 0))
        except RuntimeError:
            return
        released.add_done_callback(_ignore_outcome)

    async def _wait(self, version: int, deadline: float, next_visible_at: float | None) -> bool:
        """Wait for a change after ``version``; True to look again, False when time is up."""
        remaining = deadline - self._clock.monotonic()
        if remaining <= 0:
            return False
        if next_visible_at is not None:
            remaining = min(remaining, max(MIN_WAIT_S, next_visible_at - self._clock.time()))
        if await self._storage.wait_for_change(self.arn, version, remaining):
            self._counts.wakeups += 1
            return True
        # Timed out: look again only if it was a message's visibility time, not the end.
        return self._clock.monotonic() < deadline


def open_embedded_queue(broker: EmbeddedBroker, queue_arn: str) -> EmbeddedQueueSource:
    """A source over the embedded queue ``queue_arn`` names, on the broker's clock;
    QueueDoesNotExist when the broker has no such queue."""
    queue = broker.queues.queue(queue_arn)
    return EmbeddedQueueSource(broker.storage, queue, clock=broker.clock)


def _ignore_outcome(future: asyncio.Future[Any]) -> None:
    """Retrieve a fire-and-forget call's outcome so asyncio does not warn about it."""
    if not future.cancelled():
        future.exception()
