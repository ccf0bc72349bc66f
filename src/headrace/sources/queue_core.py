"""The narrow source core over an SQS-shaped source: how a queue kind fills :class:`SourceCore`.

A new kind whose broker is not SQS (RabbitMQ, Redis Streams, NATS) implements
:class:`~headrace.sources.source_seam.SourceCore` directly and declares only the
capabilities it has; SQS-shaped sources (embedded, real, in-memory) get the core from this
adapter, so one conformance suite can drive every kind through the same three calls.
"""

from __future__ import annotations

from dataclasses import dataclass

from headrace.events import QueueMessage
from headrace.sources.source_seam import QueueSource, Settlement


@dataclass(frozen=True, slots=True)
class QueueCore:
    """:class:`SourceCore` over a :class:`QueueSource`.

    Settling deletes the successes; failures are left to come back when their visibility
    timeout ends, as Lambda leaves them (§4.1.1), and then count a receive towards the
    queue's redrive policy.
    """

    queue: QueueSource

    @property
    def arn(self) -> str:
        return self.queue.arn

    async def receive_batch(self, max_items: int, *, wait_seconds: float) -> list[QueueMessage]:
        return await self.queue.receive(max_items, wait_seconds=wait_seconds)

    async def settle(self, settlement: Settlement) -> None:
        if settlement.succeeded:
            await self.queue.delete(settlement.succeeded)

    async def aclose(self) -> None:
        await self.queue.aclose()
