"""The embedded stream kind: a Kinesis ARN in the config's region and account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from headrace.sources.kinds import stream_family as family
from headrace.sources.kinds.kind_seam import Declared, Home, ResolvedSource, Unresolved
from headrace.sources.kinds.opening import OpenContext, OpenedSource

if TYPE_CHECKING:
    from headrace.config.model import Config, EventSourceMappingConfig


class EmbeddedStreamKind(family.KinesisKindBase):
    """A stream declared under ``streams:``, with Kinesis semantics and records (§3.2)."""

    name = "embedded-stream"

    def recognises(self, source: Mapping[str, Any], home: Home | None) -> bool:
        return family.arn_at_home(source, home, "kinesis") is True

    def resolve(self, arn: str, config: Config, declared: Declared) -> ResolvedSource | Unresolved:
        """§1.6.12: a home stream ARN that names no declared stream is not found."""
        return family.home_stream(self, arn, family.resource_name(arn) in declared.streams)

    def lanes(self, config: Config, mapping: EventSourceMappingConfig) -> int:
        stream = config.stream_by_arn(mapping.event_source_arn)
        return family.stream_lanes(config, mapping, stream.shard_count if stream else 1)

    def built(self, config: Config, arn: str) -> bool:
        return config.stream_by_arn(arn) is not None

    async def open(self, ctx: OpenContext, mapping: EventSourceMappingConfig) -> OpenedSource:
        stream = ctx.config.stream_by_arn(mapping.event_source_arn)
        assert stream is not None  # validated
        source = (await ctx.embedded_streams()).stream_source(stream.name)
        shape = family.kinesis_shape(ctx.config, source.arn, mapping.function_name)
        return OpenedSource(source, shape, source.report_to)


EMBEDDED_STREAM = EmbeddedStreamKind()
