"""Embedded tables with DynamoDB semantics and DynamoDB Streams change streams.

- :class:`TableBroker` — the tables of ``<data_dir>/streams.sqlite3``, synchronous and
  thread-safe: PutItem, UpdateItem (SET, REMOVE, ADD, DELETE), DeleteItem, GetItem and
  BatchWriteItem; each write that changes an item appends its change record (§3.3) to the
  table's stream in the same transaction;
- :func:`dynamodb_event_record` — the record the engine puts in ``Records`` for a record
  read from a table's stream; :func:`table_stream_name` / :func:`table_stream_configs` — the
  embedded stream behind a table's change stream, for a
  :class:`~headrace.broker.streams.StreamBroker` to read;
- plain values ↔ DynamoDB JSON (:func:`item_from_plain`, :func:`item_to_plain`, ...).

``docs/tables.md`` describes storage, records, ordering and the differences from DynamoDB.
"""

from __future__ import annotations

from headrace.broker.tables.attribute_values import (
    MAX_NESTING_LEVELS,
    TOO_DEEP,
    AttributeValue,
    Item,
    normalize_item,
)
from headrace.broker.tables.naming import (
    STREAM_RETENTION_HOURS,
    stream_label,
    table_name,
    table_stream_arn,
    table_stream_configs,
    table_stream_name,
)
from headrace.broker.tables.plain import (
    from_attribute_value,
    item_from_plain,
    item_to_plain,
    plain_json,
    to_attribute_value,
)
from headrace.broker.tables.records import EVENT_VERSION, dynamodb_event_record
from headrace.broker.tables.sizes import MAX_ITEM_BYTES, item_size
from headrace.broker.tables.table_broker import MAX_BATCH_WRITE_ITEMS, TableBroker
from headrace.broker.tables.table_results import (
    BatchWriteResult,
    TableBrokerStatistics,
    TableSummary,
    WriteResult,
)

__all__ = [
    "EVENT_VERSION",
    "MAX_BATCH_WRITE_ITEMS",
    "MAX_ITEM_BYTES",
    "MAX_NESTING_LEVELS",
    "STREAM_RETENTION_HOURS",
    "TOO_DEEP",
    "AttributeValue",
    "BatchWriteResult",
    "Item",
    "TableBroker",
    "TableBrokerStatistics",
    "TableSummary",
    "WriteResult",
    "dynamodb_event_record",
    "from_attribute_value",
    "item_from_plain",
    "item_size",
    "item_to_plain",
    "normalize_item",
    "plain_json",
    "stream_label",
    "table_name",
    "table_stream_arn",
    "table_stream_configs",
    "table_stream_name",
    "to_attribute_value",
]
