"""A test-only source kind with ONLY the core: an in-process queue with ack and nack.

It is what a RabbitMQ, NATS or Redis Streams kind will look like to headrace: no visibility
timeout, no receipt handles, no ready wait, no depth. Its sources are named
``arn:headrace:demo:NAME`` (no AWS ARN) and live in :data:`QUEUES`, where a test puts
messages before the run and reads what was acked after it. A test registers the kind in
the kind table (monkeypatch ``kind_table.SOURCE_KINDS``): this module and that one line are
all a new kind needs (docs/architecture.md, "Adding a source kind").
"""

from __future__ import annotations

import hashlib
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from headrace.events import QueueMessage
from headrace.sources.kinds.kind_seam import Home, ResolvedSource, Unresolved
from headrace.sources.kinds.opening import OpenContext, OpenedSource
from headrace.sources.kinds.sqs_family import QueueKindBase, SqsRecordShape
from headrace.sources.source_seam import Settlement

PREFIX = "arn:headrace:demo:"


@dataclass
class DemoQueue:
    """Pending messages; a nack puts a message back at the end, an ack forgets it."""

    arn: str
    pending: deque[QueueMessage] = field(default_factory=deque)
    unacked: dict[str, QueueMessage] = field(default_factory=dict)
    deliveries: Counter[str] = field(default_factory=Counter)
    acked: list[str] = field(default_factory=list)
    nacked: list[str] = field(default_factory=list)
    closed: bool = False

    def send(self, body: str) -> None:
        self.pending.append(
            QueueMessage(
                message_id=f"demo-{len(self.deliveries) + len(self.pending)}-{body}",
                receipt_handle="",  # this kind has none
                body=body,
                md5_of_body=hashlib.md5(body.encode()).hexdigest(),
                attributes={},
            )
        )

    async def receive_batch(self, max_items: int, *, wait_seconds: float) -> list[QueueMessage]:
        batch = []
        while self.pending and len(batch) < max_items:
            message = self.pending.popleft()
            self.unacked[message.message_id] = message
            self.deliveries[message.body] += 1
            batch.append(message)
        return batch

    async def settle(self, settlement: Settlement) -> int:
        for message in settlement.succeeded:
            del self.unacked[message.message_id]
            self.acked.append(message.body)
        for message in settlement.failed:
            self.pending.append(self.unacked.pop(message.message_id))
            self.nacked.append(message.body)
        return len(settlement.succeeded)

    async def aclose(self) -> None:
        self.closed = True


# The demo queues by ARN, filled by the test before the run.
QUEUES: dict[str, DemoQueue] = {}


class DemoQueueKind(QueueKindBase):  # SQS's defaults, payload rule, texts and lanes
    """Mappings over :class:`DemoQueue`: the core and nothing else."""

    name = "demo-queue"

    def recognises(self, source: Mapping[str, Any], home: Home | None) -> bool:
        return str(source.get("EventSourceArn", "")).startswith(PREFIX)

    def resolve(self, arn: str, config: Any, declared: Any) -> ResolvedSource | Unresolved:
        return ResolvedSource(arn, self, self.defaults, None, arn)

    async def open(self, ctx: OpenContext, mapping: Any) -> OpenedSource:
        queue = QUEUES.setdefault(mapping.event_source_arn, DemoQueue(mapping.event_source_arn))
        ctx.stack.push_async_callback(queue.aclose)
        return OpenedSource(queue, SqsRecordShape(queue.arn, ctx.config.region))

    def status(self, config: Any, mapping: Any, depths: Mapping[str, Any]) -> dict[str, Any]:
        return {}


DEMO_QUEUE = DemoQueueKind()
