"""The embedded table stream kind: a DynamoDB table or table-stream ARN at home."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from headrace.sources.kinds import stream_family as family
from headrace.sources.kinds.kind_seam import Declared, Home, ResolvedSource, Unresolved
from headrace.sources.kinds.opening import OpenContext, OpenedSource

if TYPE_CHECKING:
    from headrace.config.model import Config, EventSourceMappingConfig


class EmbeddedTableKind(family.DynamoDBKindBase):
    """The change stream of a table declared under ``tables:`` (§3.3 records, stored whole)."""

    name = "embedded-table-stream"

    def recognises(self, source: Mapping[str, Any], home: Home | None) -> bool:
        return family.arn_at_home(source, home, "dynamodb", table=True) is True

    def resolve(self, arn: str, config: Config, declared: Declared) -> ResolvedSource | Unresolved:
        """§1.6.12: the table must be declared and have a StreamSpecification."""
        table = config.table_by_arn(arn)
        found = family.resource_name(arn) in declared.tables and (table is None or table.has_stream)
        return family.home_stream(self, arn, found)

    def lanes(self, config: Config, mapping: EventSourceMappingConfig) -> int:
        table = config.table_by_arn(mapping.event_source_arn)
        spec = table.stream_specification if table is not None else None
        return family.stream_lanes(config, mapping, spec.shard_count if spec is not None else 1)

    def built(self, config: Config, arn: str) -> bool:
        return config.table_by_arn(arn) is not None

    async def open(self, ctx: OpenContext, mapping: EventSourceMappingConfig) -> OpenedSource:
        from headrace.broker.tables import dynamodb_event_record
        from headrace.sources.kinds.record_shapes import DynamoDBShape

        table = ctx.config.table_by_arn(mapping.event_source_arn)
        assert table is not None  # validated
        source = await (await ctx.embedded_streams()).table_source(table.name)
        shape = DynamoDBShape(decode=dynamodb_event_record)
        return OpenedSource(source, shape, source.report_to)


EMBEDDED_TABLE_STREAM = EmbeddedTableKind()
