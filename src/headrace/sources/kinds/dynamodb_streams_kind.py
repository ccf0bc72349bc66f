"""The DynamoDB Streams kind: a table or table-stream ARN outside the config's home."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from headrace.sources.kinds import stream_family as family
from headrace.sources.kinds.kind_seam import Declared, Home, ResolvedSource, Unresolved
from headrace.sources.kinds.opening import OpenContext, OpenedSource

if TYPE_CHECKING:
    from headrace.config.model import Config, EventSourceMappingConfig


class DynamoDBStreamsKind(family.DynamoDBKindBase):
    """A table's stream on AWS, read with the AWS SDK (§3.3 records)."""

    name = "dynamodb-streams"

    def recognises(self, source: Mapping[str, Any], home: Home | None) -> bool:
        return family.arn_at_home(source, home, "dynamodb", table=True) is False

    def resolve(self, arn: str, config: Config, declared: Declared) -> ResolvedSource | Unresolved:
        return family.real_stream(self, arn)

    async def open(self, ctx: OpenContext, mapping: EventSourceMappingConfig) -> OpenedSource:
        """§1.6.6: AT_TIMESTAMP is refused before anything is called on AWS."""
        from headrace.aws.clients import AwsSettings
        from headrace.sources.dynamodb_streams import (
            check_starting_position,
            open_dynamodb_stream_source,
        )
        from headrace.sources.kinds.record_shapes import DynamoDBShape

        config, arn = ctx.config, mapping.event_source_arn
        check_starting_position(arn, mapping.starting_position)
        source = await open_dynamodb_stream_source(
            arn,
            AwsSettings(endpoint_url=config.endpoint_url),
            clock=ctx.clock,
            default_region=config.region,
            stack=ctx.stack,
        )
        return OpenedSource(source, DynamoDBShape(), source.report_to)


DYNAMODB_STREAMS = DynamoDBStreamsKind()
