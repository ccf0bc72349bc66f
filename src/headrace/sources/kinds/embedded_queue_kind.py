"""The embedded queue kind: an SQS ARN in the config's region and account (design.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from headrace.sources.kinds import sqs_family as sqs
from headrace.sources.kinds.kind_seam import Declared, Home, ResolvedSource, Unresolved
from headrace.sources.kinds.opening import OpenContext, OpenedSource

if TYPE_CHECKING:
    from headrace.config.model import Config, EventSourceMappingConfig


class EmbeddedQueueKind(sqs.QueueKindBase):
    """A queue of the embedded broker, declared under ``queues:``."""

    name = "embedded-queue"

    def recognises(self, source: Mapping[str, Any], home: Home | None) -> bool:
        return sqs.sqs_arn_at_home(source, home) is True

    def resolve(self, arn: str, config: Config, declared: Declared) -> ResolvedSource | Unresolved:
        """§1.6.11: a home ARN that names no declared queue does not exist."""
        name = arn.rsplit(":", 1)[1]
        if name not in declared.queues:
            return Unresolved(sqs.QUEUE_NOT_FOUND)
        queue = config.queue_by_arn(arn)
        # A declared queue with problems of its own is None here: fall back on its name.
        fifo = queue.fifo_queue if queue is not None else name.endswith(".fifo")
        defaults = sqs.SQS_FIFO_DEFAULTS if fifo else sqs.SQS_DEFAULTS
        return ResolvedSource(arn, self, defaults, queue, arn)

    def built(self, config: Config, arn: str) -> bool:
        return config.queue_by_arn(arn) is not None

    async def open(self, ctx: OpenContext, mapping: EventSourceMappingConfig) -> OpenedSource:
        from headrace.sources.embedded_queue import open_embedded_queue

        source = open_embedded_queue(ctx.broker, mapping.event_source_arn)
        ctx.stack.push_async_callback(source.aclose)  # its broker calls in flight finish
        return OpenedSource(source, sqs.sqs_shape(ctx.config, mapping))

    def status(
        self, config: Config, mapping: EventSourceMappingConfig, depths: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The queue's depth and its dead-letter queue's, from the broker file."""
        queue = config.queue_by_arn(mapping.event_source_arn)
        if queue is None:  # made through the endpoint (CreateQueue), or deleted
            name = mapping.event_source_arn.rsplit(":", 1)[-1]
            return {"Queue": sqs.depth_fields(depths[name])} if name in depths else {}
        entry: dict[str, Any] = {"Queue": sqs.depth_fields(depths[queue.name])}
        if queue.redrive_policy is not None:
            dlq = config.queue_by_arn(queue.redrive_policy.dead_letter_target_arn)
            if dlq is not None:
                entry["DeadLetterQueue"] = {"Name": dlq.name, **sqs.depth_fields(depths[dlq.name])}
        return entry


EMBEDDED_QUEUE = EmbeddedQueueKind()
