"""The embedded tables' item operations, whatever holds the items: the DynamoDB API shapes.

:class:`TableApi` is the base of :class:`~headrace.broker.tables.table_broker.TableBroker`
(SQLite) and of the in-memory core in :mod:`headrace.testing`. It checks requests as
DynamoDB does and works out each write; a subclass stores items and change records
(:meth:`TableApi._write`, :meth:`TableApi._load`, :meth:`TableApi._count`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from headrace.broker.tables.attribute_values import Item, normalize_item
from headrace.broker.tables.sizes import MAX_ITEM_BYTES, item_size
from headrace.broker.tables.table_catalog import Table, TableCatalog
from headrace.broker.tables.table_results import (
    BatchWriteResult,
    TableBrokerStatistics,
    TableSummary,
    WriteResult,
)
from headrace.broker.tables.table_writing import (
    PUT_DELETE_RETURN_VALUES,
    RETURN_VALUES,
    Applied,
    Compute,
    WriteRequest,
    check_return_values,
    returned_attributes,
)
from headrace.broker.tables.updates import Update
from headrace.errors import ValidationException

# BatchWriteItem takes at most 25 put and delete requests together.
MAX_BATCH_WRITE_ITEMS = 25


@dataclass(slots=True)
class TableCounters:
    """The running counts behind :class:`TableBrokerStatistics`."""

    items_put: int = 0
    items_updated: int = 0
    items_deleted: int = 0
    items_read: int = 0
    unchanged_writes: int = 0
    change_records: int = 0
    records_trimmed: int = 0

    def snapshot(self) -> TableBrokerStatistics:
        return TableBrokerStatistics(
            self.items_put,
            self.items_updated,
            self.items_deleted,
            self.items_read,
            self.unchanged_writes,
            self.change_records,
            self.records_trimmed,
        )


class TableApi(ABC):
    """PutItem, UpdateItem, DeleteItem, GetItem, BatchWriteItem and DescribeTable."""

    _catalog: TableCatalog
    _counters: TableCounters

    @abstractmethod
    def _write(self, table: Table, requests: list[WriteRequest]) -> list[Applied]:
        """Apply ``requests`` and their change records in one transaction."""

    @abstractmethod
    def _load(self, table: Table, canonical_key: str) -> Item | None:
        """The stored item with this canonical key, or None."""

    @abstractmethod
    def _count(self, table: Table) -> int:
        """How many items the table holds."""

    # -- tables -----------------------------------------------------------------------

    @property
    def table_names(self) -> list[str]:
        """The declared tables' names."""
        return self._catalog.names()

    def stream_arn(self, table: str) -> str | None:
        """The ARN of a table's change stream (LatestStreamArn), None if it has none."""
        context = self._catalog.get(table).stream_context
        return None if context is None else context.stream_arn

    def describe_table(self, table: str) -> TableSummary:
        """DescribeTable's facts: ARN, creation time, exact item count, stream ARN and label."""
        found = self._catalog.get(table)
        context = found.stream_context
        return TableSummary(
            table_name=found.name,
            table_arn=found.arn,
            creation_date_time=found.created_at / 1000,
            item_count=self._count(found),
            latest_stream_arn=None if context is None else context.stream_arn,
            latest_stream_label=None if context is None else found.stream_label,
            stream_view_type=None if context is None else context.view_type,
        )

    def statistics(self) -> TableBrokerStatistics:
        """What this broker did since it opened (this process only)."""
        return self._counters.snapshot()

    # -- items ------------------------------------------------------------------------

    def get_item(self, table: str, key: Mapping[str, Any]) -> Item | None:
        """GetItem: the item with this key, or None. ValidationException for a bad key."""
        found = self._catalog.get(table)
        canonical = found.keys.canonical(found.keys.check_key(key))
        item = self._load(found, canonical)
        self._counters.items_read += 1
        return item

    def put_item(
        self, table: str, item: Mapping[str, Any], *, return_values: str = "NONE"
    ) -> WriteResult:
        """PutItem: store ``item`` whole, replacing any item with its key.

        Emits INSERT or MODIFY (nothing if an identical item is there). Raises
        ValidationException for a bad item or key, ResourceNotFoundException for a table
        that is not declared.
        """
        check_return_values(return_values, PUT_DELETE_RETURN_VALUES)
        found = self._catalog.get(table)
        request = self._put_request(found, item)
        (applied,) = self._write(found, [request])
        self._counters.items_put += 1
        return _result(applied, returned_attributes(return_values, applied))

    def update_item(
        self,
        table: str,
        key: Mapping[str, Any],
        *,
        set: Mapping[str, Any] | None = None,
        remove: Iterable[str] = (),
        add: Mapping[str, Any] | None = None,
        delete: Mapping[str, Any] | None = None,
        return_values: str = "NONE",
    ) -> WriteResult:
        """UpdateItem with ``SET``/``REMOVE``/``ADD``/``DELETE`` on top-level attributes.

        See :class:`~headrace.broker.tables.updates.Update` for what each action does. An
        absent item is created from its key (INSERT); an update that changes nothing emits
        no record. Raises ValidationException as DynamoDB does.
        """
        check_return_values(return_values, RETURN_VALUES)
        found = self._catalog.get(table)
        keys = found.keys.check_key(key)
        update = Update.checked(
            set=set, remove=remove, add=add, delete=delete, key_names=found.keys.names
        )

        def compute(old: Item | None) -> Item | None:
            return _within_size(update.apply(old, keys), "Item size to update")

        request = WriteRequest(found.keys.canonical(keys), keys, compute)
        (applied,) = self._write(found, [request])
        self._counters.items_updated += 1
        attributes = returned_attributes(return_values, applied, update.paths())
        return _result(applied, attributes)

    def delete_item(
        self, table: str, key: Mapping[str, Any], *, return_values: str = "NONE"
    ) -> WriteResult:
        """DeleteItem: emits REMOVE if the item was there, nothing otherwise."""
        check_return_values(return_values, PUT_DELETE_RETURN_VALUES)
        found = self._catalog.get(table)
        (applied,) = self._write(found, [self._delete_request(found, key)])
        self._counters.items_deleted += 1
        return _result(applied, returned_attributes(return_values, applied))

    def batch_write_item(
        self,
        table: str,
        *,
        puts: Sequence[Mapping[str, Any]] = (),
        deletes: Sequence[Mapping[str, Any]] = (),
    ) -> BatchWriteResult:
        """BatchWriteItem on one table: 1 to 25 puts and deletes, applied in one transaction.

        Puts go first, then deletes, each in the order given. Raises ValidationException for
        an empty or too large batch, a key named twice, or any bad item or key (then nothing
        is written).
        """
        found = self._catalog.get(table)
        if not puts and not deletes:
            raise ValidationException(
                f"The batch write request list for a table cannot be null or empty: {found.name}"
            )
        if len(puts) + len(deletes) > MAX_BATCH_WRITE_ITEMS:
            raise ValidationException("Too many items requested for the BatchWriteItem call")
        requests = [self._put_request(found, item) for item in puts]
        requests += [self._delete_request(found, key) for key in deletes]
        if len({r.canonical_key for r in requests}) != len(requests):
            raise ValidationException("Provided list of item keys contains duplicates")
        applied = self._write(found, requests)
        self._counters.items_put += len(puts)
        self._counters.items_deleted += len(deletes)
        results = [_result(a, None) for a in applied]
        return BatchWriteResult(tuple(results[: len(puts)]), tuple(results[len(puts) :]))

    def _put_request(self, table: Table, item: Mapping[str, Any]) -> WriteRequest:
        new = _within_size(normalize_item(item), "Item size")
        keys = table.keys.key_of_item(new)
        compute: Compute = lambda _old: new  # noqa: E731 - the whole item replaces any old one
        return WriteRequest(table.keys.canonical(keys), keys, compute)

    def _delete_request(self, table: Table, key: Mapping[str, Any]) -> WriteRequest:
        keys = table.keys.check_key(key)
        return WriteRequest(table.keys.canonical(keys), keys, lambda _old: None)


def _within_size(item: Item, what: str) -> Item:
    if item_size(item) > MAX_ITEM_BYTES:
        raise ValidationException(f"{what} has exceeded the maximum allowed size")
    return item


def _result(applied: Applied, attributes: Item | None) -> WriteResult:
    return WriteResult(
        event_name=applied.event_name,
        sequence_number=applied.sequence_number,
        attributes=attributes,
    )
