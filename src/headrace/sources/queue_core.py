"""The narrow source core of an SQS-shaped source: how a queue kind with receipt handles
and visibility fills :class:`~headrace.sources.source_seam.SourceCore`.

A new kind whose broker is not SQS (RabbitMQ, Redis Streams, NATS) implements
:class:`~headrace.sources.source_seam.SourceCore` directly and declares only the
capabilities it has; the SQS-shaped sources (embedded, real SQS, in memory) inherit
:class:`SqsCore`, so the queue engine reads every kind through the same core.
"""

from __future__ import annotations

from collections.abc import Coroutine, Sequence
from typing import Any, Protocol

from headrace.events import QueueMessage
from headrace.sources.source_seam import Settlement


class _SqsShaped(Protocol):
    async def receive(
        self, max_messages: int, *, wait_seconds: float, visibility_timeout: int | None = None
    ) -> list[QueueMessage]: ...

    def delete(self, messages: Sequence[QueueMessage]) -> Coroutine[Any, Any, int]: ...


class SqsCore:
    """:class:`SourceCore` over ``receive`` and ``delete`` (a mixin).

    Settling deletes the successes; failures are left to come back when their visibility
    timeout ends, as Lambda leaves them (§4.1.1), and then count a receive towards the
    queue's redrive policy. Settles may overlap the next receive (``concurrent_settles``).
    """

    __slots__ = ()

    concurrent_settles = True

    async def receive_batch(
        self: _SqsShaped, max_items: int, *, wait_seconds: float
    ) -> list[QueueMessage]:
        return await self.receive(max_items, wait_seconds=wait_seconds)

    def settle(self: _SqsShaped, settlement: Settlement) -> Coroutine[Any, Any, int]:
        """Delete the successes. Not ``async def``: the delete starts when the settle is
        asked for (the real SQS source hands its leases over then, see ``sqs.py``)."""
        if settlement.succeeded:
            return self.delete(settlement.succeeded)
        return _nothing()


async def _nothing() -> int:
    return 0
