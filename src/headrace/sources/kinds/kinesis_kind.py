"""The Kinesis kind: a Kinesis stream ARN outside the config's region and account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from headrace.sources.kinds import stream_family as family
from headrace.sources.kinds.kind_seam import Declared, Home, ResolvedSource, Unresolved
from headrace.sources.kinds.opening import OpenContext, OpenedSource

if TYPE_CHECKING:
    from headrace.config.model import Config, EventSourceMappingConfig


class KinesisKind(family.KinesisKindBase):
    """A stream on AWS (or any Kinesis endpoint), read with the AWS SDK."""

    name = "kinesis"

    def recognises(self, source: Mapping[str, Any], home: Home | None) -> bool:
        return family.arn_at_home(source, home, "kinesis") is False

    def resolve(self, arn: str, config: Config, declared: Declared) -> ResolvedSource | Unresolved:
        return family.real_stream(self, arn)

    async def open(self, ctx: OpenContext, mapping: EventSourceMappingConfig) -> OpenedSource:
        from headrace.aws.clients import AwsSettings
        from headrace.sources.kinesis import open_kinesis_source

        config = ctx.config
        source = await open_kinesis_source(
            mapping.event_source_arn,
            AwsSettings(endpoint_url=config.endpoint_url),
            clock=ctx.clock,
            default_region=config.region,
            stack=ctx.stack,
        )
        shape = family.kinesis_shape(ctx.config, source.arn, mapping.function_name)
        return OpenedSource(source, shape, source.report_to)


KINESIS = KinesisKind()
