"""The embedded tables' item operations, whatever holds the items: the DynamoDB API shapes.

:class:`TableApi` is the base of :class:`~headrace.broker.tables.table_broker.TableBroker`
(SQLite) and of the in-memory core in :mod:`headrace.testing`. It checks requests as
DynamoDB does and works out each write; a subclass stores items and change records
(:meth:`TableApi._write`, :meth:`TableApi._load`, :meth:`TableApi._count`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from headrace.broker.tables import table_reads
from headrace.broker.tables.attribute_values import Item, normalize_item
from headrace.broker.tables.document_paths import project
from headrace.broker.tables.expression_eval import holds
from headrace.broker.tables.expression_nodes import Condition, DocumentPath, UpdateExpression
from headrace.broker.tables.sizes import MAX_ITEM_BYTES, item_size
from headrace.broker.tables.table_catalog import Table, TableCatalog
from headrace.broker.tables.table_reads import EVERYTHING, ReadOptions
from headrace.broker.tables.table_results import (
    BatchWriteResult,
    ReadPage,
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
from headrace.broker.tables.updates import apply_update, check_update, update_from_actions
from headrace.errors import ConditionalCheckFailedException, ValidationException

# BatchWriteItem takes at most 25 put and delete requests together.
MAX_BATCH_WRITE_ITEMS = 25
# How many items a Scan asks the storage for at a time.
SCAN_CHUNK = 100


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
    """PutItem, UpdateItem, DeleteItem, GetItem, BatchWriteItem, Query, Scan, DescribeTable."""

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

    @abstractmethod
    def _partition(self, table: Table, prefix: str) -> list[Item]:
        """Every item whose canonical key starts with ``prefix`` (any order)."""

    @abstractmethod
    def _scan_after(self, table: Table, after: str | None, limit: int) -> list[tuple[str, Item]]:
        """At most ``limit`` items with their canonical keys, in canonical key order (by
        UTF-8 bytes), starting after ``after`` (None: from the first)."""

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
            key_schema=tuple(key.to_aws() for key in found.config.key_schema),
            attribute_definitions=tuple(
                definition.to_aws() for definition in found.config.attribute_definitions
            ),
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
        self,
        table: str,
        item: Mapping[str, Any],
        *,
        condition: Condition | None = None,
        return_values: str = "NONE",
    ) -> WriteResult:
        """PutItem: store ``item`` whole, replacing any item with its key.

        Emits INSERT or MODIFY (nothing if an identical item is there). ``condition`` (a
        parsed ConditionExpression) is checked against the stored item in the same write:
        if false, ConditionalCheckFailedException and nothing is written. Raises
        ValidationException for a bad item or key, ResourceNotFoundException for a table
        that is not declared.
        """
        check_return_values(return_values, PUT_DELETE_RETURN_VALUES)
        found = self._catalog.get(table)
        request = _guarded(self._put_request(found, item), condition)
        (applied,) = self._write(found, [request])
        self._counters.items_put += 1
        return _result(applied, returned_attributes(return_values, applied))

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
    ) -> WriteResult:
        """UpdateItem with a parsed UpdateExpression, or its keyword form on top-level
        attributes (``set``/``remove``/``add``/``delete``, not both).

        See :mod:`~headrace.broker.tables.updates` for what each action does. An absent item
        is created from its key (INSERT); an update that changes nothing emits no record.
        ``condition`` is checked as for :meth:`put_item`. Raises ValidationException as
        DynamoDB does.
        """
        check_return_values(return_values, RETURN_VALUES)
        found = self._catalog.get(table)
        keys = found.keys.check_key(key)
        keyword_form = update_from_actions(set=set, remove=remove, add=add, delete=delete)
        if update is not None and keyword_form.actions:
            raise ValidationException("Give an UpdateExpression or the actions, not both")
        chosen = update if update is not None else keyword_form
        check_update(chosen, found.keys.names)

        def compute(old: Item | None) -> Item | None:
            return _within_size(apply_update(chosen, old, keys), "Item size to update")

        request = _guarded(WriteRequest(found.keys.canonical(keys), keys, compute), condition)
        (applied,) = self._write(found, [request])
        self._counters.items_updated += 1
        attributes = _updated_attributes(return_values, applied, chosen.paths())
        return _result(applied, attributes)

    def delete_item(
        self,
        table: str,
        key: Mapping[str, Any],
        *,
        condition: Condition | None = None,
        return_values: str = "NONE",
    ) -> WriteResult:
        """DeleteItem: emits REMOVE if the item was there, nothing otherwise.

        ``condition`` is checked as for :meth:`put_item`.
        """
        check_return_values(return_values, PUT_DELETE_RETURN_VALUES)
        found = self._catalog.get(table)
        request = _guarded(self._delete_request(found, key), condition)
        (applied,) = self._write(found, [request])
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

    # -- reads ------------------------------------------------------------------------

    def query(
        self,
        table: str,
        key_condition: Condition,
        options: ReadOptions = EVERYTHING,
        *,
        forward: bool = True,
    ) -> ReadPage:
        """Query: one partition's items in sort-key order (``forward``: ScanIndexForward).

        ``key_condition`` is a parsed KeyConditionExpression (partition key ``=``, and at
        most one test of the sort key); the page rules are
        :mod:`~headrace.broker.tables.table_reads`'. ValidationException as DynamoDB words it.
        """
        found = self._catalog.get(table)
        start = table_reads.check_options(options, found.keys, query=True)
        condition = table_reads.key_condition(key_condition, found.keys)
        if len(found.keys.attributes) == 1:
            hash_name = found.keys.attributes[0].name
            stored = self._load(found, found.keys.canonical({hash_name: condition.partition}))
            candidates = [] if stored is None else [stored]
        else:
            candidates = self._partition(found, found.keys.partition_prefix(condition.partition))
        ordered = table_reads.partition_in_order(candidates, found.keys, condition, forward=forward)
        if start is not None:
            ordered = table_reads.after_start(
                ordered, found.keys, start, condition.partition, forward=forward
            )
        page = table_reads.read_page(ordered, found.keys, options)
        self._counters.items_read += page.scanned_count
        return page

    def scan(self, table: str, options: ReadOptions = EVERYTHING) -> ReadPage:
        """Scan: every item of the table in canonical key order, a page at a time."""
        found = self._catalog.get(table)
        start = table_reads.check_options(options, found.keys, query=False)
        after = None if start is None else found.keys.canonical(start)
        page = table_reads.read_page(self._all_after(found, after), found.keys, options)
        self._counters.items_read += page.scanned_count
        return page

    def _all_after(self, table: Table, after: str | None) -> Iterator[Item]:
        while True:
            chunk = self._scan_after(table, after, SCAN_CHUNK)
            for key, item in chunk:
                after = key
                yield item
            if len(chunk) < SCAN_CHUNK:
                return

    def _put_request(self, table: Table, item: Mapping[str, Any]) -> WriteRequest:
        new = _within_size(normalize_item(item), "Item size")
        keys = table.keys.key_of_item(new)
        compute: Compute = lambda _old: new  # noqa: E731 - the whole item replaces any old one
        return WriteRequest(table.keys.canonical(keys), keys, compute)

    def _delete_request(self, table: Table, key: Mapping[str, Any]) -> WriteRequest:
        keys = table.keys.check_key(key)
        return WriteRequest(table.keys.canonical(keys), keys, lambda _old: None)


def _guarded(request: WriteRequest, condition: Condition | None) -> WriteRequest:
    """``request`` that first checks ``condition`` against the stored item, in the write."""
    if condition is None:
        return request
    compute = request.compute

    def checked(old: Item | None) -> Item | None:
        if not holds(condition, old or {}):
            raise ConditionalCheckFailedException()
        return compute(old)

    return WriteRequest(request.canonical_key, request.keys, checked)


def _updated_attributes(
    return_values: str, applied: Applied, paths: list[DocumentPath]
) -> Item | None:
    """UPDATED_OLD / UPDATED_NEW: the updated paths of the item before / after."""
    if not return_values.startswith("UPDATED_"):
        return returned_attributes(return_values, applied)
    source = applied.old if return_values == "UPDATED_OLD" else applied.new
    if source is None:
        return None
    return project(source, paths) or None


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
