r"""A test-only source kind with ONLY the core: an in-process queue with ack and nack.

It is what a RabbitMQ, NATS or Redis Streams kind will look like to headrace: no visibility
timeout, no receipt handles, no ready wait, no depth. Its sources are named
``arn:headrace:demo:NAME`` (no AWS ARN) and are :class:`~headrace.testing.CoreOnlyQueue`\ s
kept in :data:`QUEUES`, where a test puts
messages before the run and reads what was acked after it. A test registers the kind in
the kind table (monkeypatch ``kind_table.SOURCE_KINDS``): this module and that one line are
all a new kind needs (docs/architecture.md, "Adding a source kind").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from headrace.sources.kinds.kind_seam import Home, ResolvedSource, Unresolved
from headrace.sources.kinds.opening import OpenContext, OpenedSource
from headrace.sources.kinds.sqs_family import QueueKindBase, SqsRecordShape
from headrace.testing import CoreOnlyQueue

PREFIX = "arn:headrace:demo:"


# The demo queues by ARN, filled by the test before the run.
QUEUES: dict[str, CoreOnlyQueue] = {}


class DemoQueueKind(QueueKindBase):  # SQS's defaults, payload rule, texts and lanes
    """Mappings over :class:`~headrace.testing.CoreOnlyQueue`: the core and nothing else."""

    name = "demo-queue"

    def recognises(self, source: Mapping[str, Any], home: Home | None) -> bool:
        return str(source.get("EventSourceArn", "")).startswith(PREFIX)

    def resolve(self, arn: str, config: Any, declared: Any) -> ResolvedSource | Unresolved:
        return ResolvedSource(arn, self, self.defaults, None, arn)

    async def open(self, ctx: OpenContext, mapping: Any) -> OpenedSource:
        queue = QUEUES.setdefault(mapping.event_source_arn, CoreOnlyQueue(mapping.event_source_arn))
        ctx.stack.push_async_callback(queue.aclose)
        return OpenedSource(queue, SqsRecordShape(queue.arn, ctx.config.region))

    def status(self, config: Any, mapping: Any, depths: Mapping[str, Any]) -> dict[str, Any]:
        return {}


DEMO_QUEUE = DemoQueueKind()
