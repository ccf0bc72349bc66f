"""The table storage seam: every embedded-table operation, as one async Protocol.

:class:`TableStorage` is what the CLI's ``table`` commands call; a storage backend
implements it and passes :mod:`headrace.testing.conformance.table_conformance`. Each write
that changes an item appends its change record (§3.3) to the table's stream in the same
transaction; :meth:`TableStorage.change_stream` reads that stream through a
:class:`~headrace.broker.streams.stream_seam.StreamStorage`. The SQLite backend is
:class:`~headrace.broker.tables.table_storage_thread.ThreadedTableStorage`. Values are
DynamoDB JSON; errors are DynamoDB's (:mod:`headrace.errors`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from headrace.broker.streams.stream_seam import StreamStorage
from headrace.broker.tables.attribute_values import Item
from headrace.broker.tables.expression_nodes import Condition, UpdateExpression
from headrace.broker.tables.table_reads import EVERYTHING, ReadOptions
from headrace.broker.tables.table_results import (
    BatchWriteResult,
    ReadPage,
    TableBrokerStatistics,
    TableSummary,
    WriteResult,
)
from headrace.config.resources import TableConfig


@dataclass(frozen=True, slots=True)
class ChangeStream:
    """A table's change stream: read ``stream_name`` of ``storage``; ARN as Lambda sees it."""

    storage: StreamStorage
    stream_name: str
    stream_arn: str


class TableStorage(Protocol):
    """Tables with DynamoDB item semantics and DynamoDB Streams change records."""

    def list_tables(self) -> Awaitable[list[str]]:
        """The tables' names: the declared ones and those CreateTable made."""
        ...

    def describe_table(self, table: str) -> Awaitable[TableSummary]:
        """DescribeTable's facts: ARN, creation time, item count, stream ARN and label."""
        ...

    def create_table(self, config: TableConfig) -> Awaitable[TableSummary]:
        """CreateTable: a table (and its change stream) kept until :meth:`delete_table`,
        that later opens of the storage declare too; ResourceInUseException if the name
        is taken."""
        ...

    def delete_table(self, table: str) -> Awaitable[TableSummary]:
        """DeleteTable: the table, its items and change stream go at once; its last
        description. A table the file declares comes back at the next open."""
        ...

    def get_item(self, table: str, key: Mapping[str, Any]) -> Awaitable[Item | None]:
        """GetItem: the item with this key, or None."""
        ...

    def put_item(
        self,
        table: str,
        item: Mapping[str, Any],
        *,
        condition: Condition | None = None,
        return_values: str = "NONE",
    ) -> Awaitable[WriteResult]:
        """PutItem: store ``item`` whole; INSERT or MODIFY record (none if unchanged).

        ``condition`` is checked against the stored item in the same write; if false,
        ConditionalCheckFailedException and nothing is written (no record either).
        """
        ...

    def update_item(
        self,
        table: str,
        key: Mapping[str, Any],
        *,
        update: UpdateExpression | None = None,
        set: Mapping[str, Any] | None = None,
        remove: Iterable[str] = (),
        add: Mapping[str, Any] | None = None,
        delete: Mapping[str, Any] | None = None,
        condition: Condition | None = None,
        return_values: str = "NONE",
    ) -> Awaitable[WriteResult]:
        """UpdateItem with a parsed UpdateExpression, or SET/REMOVE/ADD/DELETE of
        top-level attributes as keywords; ``condition`` as for :meth:`put_item`."""
        ...

    def delete_item(
        self,
        table: str,
        key: Mapping[str, Any],
        *,
        condition: Condition | None = None,
        return_values: str = "NONE",
    ) -> Awaitable[WriteResult]:
        """DeleteItem: REMOVE record if the item was there, nothing otherwise;
        ``condition`` as for :meth:`put_item`."""
        ...

    def query(
        self,
        table: str,
        key_condition: Condition,
        options: ReadOptions = EVERYTHING,
        *,
        forward: bool = True,
    ) -> Awaitable[ReadPage]:
        """Query one partition in sort-key order (parsed KeyConditionExpression)."""
        ...

    def scan(self, table: str, options: ReadOptions = EVERYTHING) -> Awaitable[ReadPage]:
        """Scan the table in key order, a page at a time."""
        ...

    def batch_write_item(
        self,
        table: str,
        *,
        puts: Sequence[Mapping[str, Any]] = (),
        deletes: Sequence[Mapping[str, Any]] = (),
    ) -> Awaitable[BatchWriteResult]:
        """BatchWriteItem on one table: 1 to 25 puts and deletes in one transaction."""
        ...

    def change_stream(self, table: str) -> Awaitable[ChangeStream]:
        """The table's change stream; InvalidParameterValueException if it has none."""
        ...

    def trim(self) -> Awaitable[int]:
        """Delete change records past their 24 hours; return how many."""
        ...

    def statistics(self) -> TableBrokerStatistics:
        """What the storage did since it opened (this process only)."""
        ...

    async def aclose(self) -> None:
        """Release what the storage holds."""
        ...
