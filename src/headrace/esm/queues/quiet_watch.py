"""The drain check of a queue source that reports no depth: judged by what the mapping saw.

A source with :class:`~headrace.sources.source_seam.QueueDepthReport` says how many items
it holds, and ``--until-drained`` asks it. A core-only source (a RabbitMQ, NATS or Redis
Streams kind) cannot, so the mapping watches its own calls instead. It is drained when

* every item it received has been settled (as done or as failed) or handed back, and no
  receive, settle or hand-back is running; and
* its last receive came back empty, and that receive started after the last settle or
  hand-back ended (a failure settled while a receive ran may be back in the source already,
  so an empty answer from that receive proves nothing).

So a failed item that comes back is never called drained before a later receive found the
source empty. A mapping that has not received yet is not drained. Items that arrive after
the empty receive, or that the source redelivers only later (a delayed nack), are what the
mapping cannot see: such a source should declare its depth.

The watch wraps only a core-only source's calls (:func:`~headrace.esm.queues.queue_reader.
read_queue` adds it); SQS-shaped sources keep their own bound calls on the hot path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from headrace.events import QueueMessage
from headrace.sources.source_seam import Settlement

T = TypeVar("T")


@dataclass(slots=True)
class QuietWatch:
    """Counts what a mapping holds of a source and remembers its last empty receive."""

    held: int = 0  # items received and not yet settled or handed back
    running: int = 0  # receives, settles and hand-backs under way
    settles: int = 0  # settles and hand-backs ended, ever
    quiet_after: int = -1  # ``settles`` when the last receive, empty, started

    def quiet(self) -> bool:
        """Whether the mapping has seen its source empty with nothing left to settle."""
        return not self.held and not self.running and self.quiet_after == self.settles

    async def receive(self, call: Awaitable[list[QueueMessage]]) -> list[QueueMessage]:
        """Run a receive, counting what it brings (an empty one may mark the source quiet)."""
        before = self.settles
        self.running += 1
        try:
            received = await call
        finally:
            self.running -= 1
        self.held += len(received)
        # Empty: quiet, unless a settle ended while it ran (then ``before`` is stale).
        self.quiet_after = -1 if received else before
        return received

    def settling(
        self, settle: Callable[[Settlement], Coroutine[Any, Any, int]]
    ) -> Callable[[Settlement], Coroutine[Any, Any, int]]:
        """``settle``, counted."""

        async def watched(settlement: Settlement) -> int:
            count = len(settlement.succeeded) + len(settlement.failed)
            return await self._settle(settle(settlement), count)

        return watched

    def giving_back(
        self, give_back: Callable[[Sequence[QueueMessage]], Awaitable[None]]
    ) -> Callable[[Sequence[QueueMessage]], Awaitable[None]]:
        """``give_back``, counted."""

        async def watched(messages: Sequence[QueueMessage]) -> None:
            await self._settle(give_back(messages), len(messages))

        return watched

    async def _settle(self, call: Awaitable[T], count: int) -> T:
        self.running += 1
        try:
            result = await call
        except BaseException:
            # A failed settle leaves its items held: the source may still hold them as
            # received, so the mapping is not drained (a deadline reports it instead).
            self.settles += 1
            raise
        finally:
            self.running -= 1
        self.held = max(0, self.held - count)
        self.settles += 1
        return result
