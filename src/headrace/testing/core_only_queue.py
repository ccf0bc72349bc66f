"""A queue source with only the core: receive a batch, settle it, close.

:class:`CoreOnlyQueue` is what a RabbitMQ-, NATS- or Redis-Streams-like kind offers
headrace: no visibility timeout, no receipt handles, no ready wait, no depth, no FIFO
groups. A settle's successes are acked (forgotten); its failures are nacked, put back at the
end to be delivered again. It declares no capability beyond ``SourceCore``, so a test over
it shows the queue engine needs nothing more.
"""

from __future__ import annotations

import hashlib
from collections import Counter, deque
from dataclasses import dataclass, field

from headrace.events import QueueMessage
from headrace.sources.source_seam import Settlement


@dataclass
class CoreOnlyQueue:
    """Pending messages in a deque; ``acked`` and ``nacked`` record each settle's bodies.

    ``deliveries`` counts how often each body was received; ``in_flight`` holds what was
    received and not yet settled; ``closed`` says whether :meth:`aclose` ran.
    """

    arn: str
    pending: deque[QueueMessage] = field(default_factory=deque)
    in_flight: dict[str, QueueMessage] = field(default_factory=dict)
    deliveries: Counter[str] = field(default_factory=Counter)
    acked: list[str] = field(default_factory=list)
    nacked: list[str] = field(default_factory=list)
    closed: bool = False
    sent: int = 0

    def send(self, body: str) -> None:
        """Add a message at the end (its id is its place in the sending order)."""
        self.sent += 1
        self.pending.append(
            QueueMessage(
                message_id=f"core-only-{self.sent}",
                receipt_handle="",  # this kind has none; the engine must not need one
                body=body,
                md5_of_body=hashlib.md5(body.encode()).hexdigest(),
                attributes={},
            )
        )

    async def receive_batch(self, max_items: int, *, wait_seconds: float) -> list[QueueMessage]:
        """Up to ``max_items`` pending messages, at once (no waiting: nothing comes later)."""
        batch: list[QueueMessage] = []
        while self.pending and len(batch) < max_items:
            message = self.pending.popleft()
            self.in_flight[message.message_id] = message
            self.deliveries[message.body] += 1
            batch.append(message)
        return batch

    async def settle(self, settlement: Settlement) -> int:
        """Ack the successes, nack the failures (back at the end); return the acked count."""
        for message in settlement.succeeded:
            del self.in_flight[message.message_id]
            self.acked.append(message.body)
        for message in settlement.failed:
            self.pending.append(self.in_flight.pop(message.message_id))
            self.nacked.append(message.body)
        return len(settlement.succeeded)

    async def aclose(self) -> None:
        """Mark the queue closed (it holds nothing to release)."""
        self.closed = True
