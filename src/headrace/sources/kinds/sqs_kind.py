"""The real SQS kind: an SQS ARN outside the config's region and account (design.md)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from headrace.errors import HeadraceError
from headrace.sources.kinds import sqs_family as sqs
from headrace.sources.kinds.kind_seam import Declared, Home, ResolvedSource, Unresolved
from headrace.sources.kinds.opening import OpenContext, OpenedSource

if TYPE_CHECKING:
    from headrace.config.model import Config, EventSourceMappingConfig

log = logging.getLogger("headrace")


class SqsKind(sqs.QueueKindBase):
    """A queue on AWS (or moto, or any SQS endpoint), read with the AWS SDK."""

    name = "sqs"

    def recognises(self, source: Mapping[str, Any], home: Home | None) -> bool:
        return sqs.sqs_arn_at_home(source, home) is False

    def resolve(self, arn: str, config: Config, declared: Declared) -> ResolvedSource | Unresolved:
        """Accepted as is; the queue is checked when ``headrace run`` opens it."""
        fifo = arn.rsplit(":", 1)[1].endswith(".fifo")
        defaults = sqs.SQS_FIFO_DEFAULTS if fifo else sqs.SQS_DEFAULTS
        return ResolvedSource(arn, self, defaults, None, arn)

    async def open(self, ctx: OpenContext, mapping: EventSourceMappingConfig) -> OpenedSource:
        """Connect and check the queue (§1.6.10, §1.6.11); a failure names the mapping."""
        from headrace.sources.sqs import open_mapping_source

        config = ctx.config
        try:
            source = await ctx.stack.enter_async_context(
                open_mapping_source(config, mapping, clock=ctx.clock)
            )
        except HeadraceError:
            # A mapping created at run time (issue 10) is in no file: its caller gets the error.
            if mapping in config.event_source_mappings:
                log.error(
                    "%s: event_source_mappings[%d] (%s): EventSourceArn %s: the real SQS "
                    "queue failed its check",
                    config.path.name,
                    config.event_source_mappings.index(mapping),
                    mapping.function_name,
                    mapping.event_source_arn,
                )
            raise
        return OpenedSource(source, sqs.sqs_shape(config, mapping))

    def status(
        self, config: Config, mapping: EventSourceMappingConfig, depths: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Depths of the real queue and its DLQ, or ``QueueError`` with AWS's message."""
        from headrace.aws.clients import AwsSettings
        from headrace.aws.sqs_api import fetch_queue_depths

        settings = AwsSettings(endpoint_url=config.endpoint_url)
        try:
            depth, dlq_arn, dlq = asyncio.run(
                fetch_queue_depths(mapping.event_source_arn, settings, default_region=config.region)
            )
        except HeadraceError as exc:
            return {"QueueError": str(exc)}
        found: dict[str, Any] = {"Queue": sqs.depth_fields(depth)}
        if dlq_arn is not None and dlq is not None:
            found["DeadLetterQueue"] = {"Name": dlq_arn.rsplit(":", 1)[-1], **sqs.depth_fields(dlq)}
        return found


SQS = SqsKind()
