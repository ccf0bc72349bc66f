"""Shared values and readers of the embedded tables' tests (imported by name: no package)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from headrace.broker.streams import StreamBroker
from headrace.broker.tables import (
    TableBroker,
    dynamodb_event_record,
    table_stream_configs,
    table_stream_name,
)
from headrace.clock import Clock
from headrace.config.resources import TableConfig
from headrace.events import StreamRecord

REGION = "us-east-1"
ACCOUNT = "123456789012"

TablesFactory = Callable[..., TableBroker]


def table_config(
    name: str = "users",
    *,
    key: str = "id",
    key_type: str = "S",
    sort_key: tuple[str, str] | None = None,
    view_type: str | None = "NEW_AND_OLD_IMAGES",
    shard_count: int | None = None,
) -> TableConfig:
    """A table with a HASH key (and optional RANGE key); ``view_type`` None: no stream."""
    schema = [{"AttributeName": key, "KeyType": "HASH"}]
    definitions = [{"AttributeName": key, "AttributeType": key_type}]
    if sort_key is not None:
        schema.append({"AttributeName": sort_key[0], "KeyType": "RANGE"})
        definitions.append({"AttributeName": sort_key[0], "AttributeType": sort_key[1]})
    data: dict[str, Any] = {"KeySchema": schema, "AttributeDefinitions": definitions}
    if view_type is not None:
        spec: dict[str, Any] = {"StreamViewType": view_type}
        if shard_count is not None:
            spec["ShardCount"] = shard_count
        data["StreamSpecification"] = spec
    return TableConfig.from_aws(name, data)


def read_stream_records(
    path: Path, tables: dict[str, TableConfig], table: str, clock: Clock
) -> list[StreamRecord]:
    """Every record of a table's change stream, shard by shard, from TRIM_HORIZON."""
    streams = StreamBroker(
        path,
        table_stream_configs(tables),
        region=REGION,
        account=ACCOUNT,
        clock=clock,
        notify=lambda _: None,
        iterator_ttl=None,
    )
    try:
        name = table_stream_name(table)
        records: list[StreamRecord] = []
        for shard in streams.list_shards(name):
            iterator = streams.get_shard_iterator(name, shard.shard_id, "TRIM_HORIZON")
            records += streams.get_records(iterator).records
        return records
    finally:
        streams.close()


def read_changes(
    path: Path, tables: dict[str, TableConfig], table: str, clock: Clock
) -> list[dict[str, Any]]:
    """Every change record of a table, as the engine would put them in ``Records``."""
    return [dynamodb_event_record(r) for r in read_stream_records(path, tables, table, clock)]


def s(text: str) -> dict[str, str]:
    return {"S": text}


def n(text: str) -> dict[str, str]:
    return {"N": text}
