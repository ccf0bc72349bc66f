"""Names of a table's change stream: its ARN and label, and the embedded stream behind it.

A table's change stream is an embedded stream (``headrace.broker.streams``) in the same
file, named ``table/NAME``: a ``/`` cannot appear in a Kinesis stream name, so it never
clashes with a stream declared under ``streams:``. Its ARN is DynamoDB's,
``arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL``, where LABEL is the table's
creation time in DynamoDB's format (``2015-05-11T21:21:33.291``, UTC), fixed the first time
the table is created in a data_dir.

To read a table's stream, open a :class:`~headrace.broker.streams.StreamBroker` on
``<data_dir>/streams.sqlite3`` with :func:`table_stream_configs` among its streams and use
:func:`table_stream_name` for the stream's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from headrace import arn as arnlib
from headrace.config.resources import StreamConfig, TableConfig

# DynamoDB Streams keeps change records for 24 hours.
STREAM_RETENTION_HOURS = 24
# The embedded stream behind table NAME is "table/NAME" (a name no Kinesis stream can have).
INTERNAL_STREAM_PREFIX = "table/"


def stream_label(created_at_ms: int) -> str:
    """DynamoDB's StreamLabel for a creation time in epoch ms: ``2015-05-11T21:21:33.291``."""
    moment = datetime.fromtimestamp(created_at_ms // 1000, tz=UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{created_at_ms % 1000:03d}"


def table_stream_arn(region: str, account: str, table: str, label: str) -> str:
    """``arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL``."""
    return f"{arnlib.dynamodb_table(region, account, table)}/stream/{label}"


def table_name(table_or_arn: str) -> str:
    """The table a name, table ARN or table-stream ARN names.

    Raises ValueError for an ARN of anything else. The ARN's region, account and label are
    not checked here; the config says which ARNs are embedded.
    """
    if not table_or_arn.startswith("arn:"):
        return table_or_arn
    parsed = arnlib.parse(table_or_arn)
    parts = [] if parsed is None else parsed.resource.split("/")
    is_table = len(parts) == 2 or (len(parts) == 4 and parts[2] == "stream")
    if parsed is None or parsed.service != "dynamodb" or parts[0] != "table" or not is_table:
        raise ValueError(f"{table_or_arn} is not a DynamoDB table or table-stream ARN")
    return parts[1]


def table_stream_name(table_or_arn: str) -> str:
    """The embedded stream behind a table's change stream (table name, table or stream ARN)."""
    return f"{INTERNAL_STREAM_PREFIX}{table_name(table_or_arn)}"


def table_stream_config(table: TableConfig) -> StreamConfig:
    """The embedded stream behind ``table``'s change stream: its shards and 24 h retention."""
    spec = table.stream_specification
    shard_count = 1 if spec is None else spec.shard_count
    return StreamConfig(
        name=table_stream_name(table.name),
        shard_count=shard_count,
        retention_period_hours=STREAM_RETENTION_HOURS,
    )


def table_stream_configs(tables: Mapping[str, TableConfig]) -> dict[str, StreamConfig]:
    """The embedded streams behind every table that has a change stream, by stream name."""
    configs = (table_stream_config(table) for table in tables.values() if table.has_stream)
    return {config.name: config for config in configs}
