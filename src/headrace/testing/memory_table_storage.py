"""In-memory table storage for tests: :class:`MemoryTableStorage`.

A :class:`~headrace.broker.tables.table_seam.TableStorage` with the embedded tables'
semantics and nothing on disk: the item operations are the shared
:class:`~headrace.broker.tables.table_api.TableApi`, items live in a dict, and each write's
change record goes into a :class:`~headrace.testing.memory_stream_storage_core.MemoryStreamCore`
in the same step. It passes :mod:`headrace.testing.conformance.table_conformance`::

    storage = MemoryTableStorage({"users": users_config}, clock=FakeClock())
    await storage.put_item("users", {"id": {"S": "u1"}})
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from headrace import arn as arnlib
from headrace.broker.core_calls import call_inline, loop_waker
from headrace.broker.streams.stream_storage_thread import ThreadedStreamStorage
from headrace.broker.tables.attribute_values import Item
from headrace.broker.tables.expression_nodes import Condition, UpdateExpression
from headrace.broker.tables.keys import TableKeys
from headrace.broker.tables.naming import (
    stream_label,
    table_stream_arn,
    table_stream_config,
    table_stream_configs,
    table_stream_name,
)
from headrace.broker.tables.records import StreamContext
from headrace.broker.tables.table_api import TableApi, TableCounters
from headrace.broker.tables.table_catalog import Table, TableCatalog
from headrace.broker.tables.table_reads import EVERYTHING, ReadOptions
from headrace.broker.tables.table_results import (
    BatchWriteResult,
    ReadPage,
    TableBrokerStatistics,
    TableSummary,
    WriteResult,
)
from headrace.broker.tables.table_seam import ChangeStream
from headrace.broker.tables.table_writing import Applied, WriteRequest, apply_changes
from headrace.clock import Clock, SystemClock
from headrace.config.resources import TableConfig
from headrace.errors import InvalidParameterValueException, ResourceInUseException
from headrace.testing.memory_queue_storage import DEFAULT_ACCOUNT, DEFAULT_REGION
from headrace.testing.memory_stream_storage_core import MemoryStreamCore


class _Items:
    """One table's items by canonical key (an :class:`ItemStore`)."""

    def __init__(self) -> None:
        self.by_key: dict[str, Item] = {}

    def load(self, key: str) -> Item | None:
        return self.by_key.get(key)

    def save(self, key: str, item: Item) -> None:
        self.by_key[key] = item

    def delete(self, key: str) -> None:
        self.by_key.pop(key, None)


class _MemoryTableCatalog(TableCatalog):
    """The SQLite catalog's lookups (names, ARNs, DynamoDB's errors) over held tables."""

    def __init__(self, tables: dict[str, Table], *, region: str, account: str) -> None:
        self._region = region
        self._account = account
        self._tables = tables

    def hold(self, table: Table) -> None:
        self._tables[table.name] = table

    def drop(self, name: str) -> None:
        del self._tables[name]


class MemoryTableCore(TableApi):
    """Declared tables held in memory; change records go to ``streams``."""

    _catalog: _MemoryTableCatalog

    def __init__(
        self,
        tables: Mapping[str, TableConfig],
        *,
        region: str,
        account: str,
        clock: Clock,
        streams: MemoryStreamCore,
    ) -> None:
        self._clock = clock
        self._streams = streams
        self._counters = TableCounters()
        self._items: dict[str, _Items] = {}
        held = {}
        now = int(clock.time() * 1000)
        for number, (name, config) in enumerate(tables.items(), start=1):
            held[name] = self._table(number, config, now, region, account)
            self._items[name] = _Items()
        self._catalog: _MemoryTableCatalog = _MemoryTableCatalog(
            held, region=region, account=account
        )
        self._region, self._account, self._next_id = region, account, len(held) + 1

    def create_table(self, config: TableConfig) -> TableSummary:
        if config.name in self._catalog.names():
            raise ResourceInUseException(f"Table already exists: {config.name}")
        if config.has_stream:
            self._streams.attach_stream(table_stream_config(config))
        now = int(self._clock.time() * 1000)
        table = self._table(self._next_id, config, now, self._region, self._account)
        self._next_id += 1
        self._catalog.hold(table)
        self._items[config.name] = _Items()
        return self.describe_table(config.name)

    def delete_table(self, table: str) -> TableSummary:
        summary = self.describe_table(table)
        found = self._catalog.get(table)
        if found.stream is not None:
            self._streams.delete_stream(found.stream.name)
        self._catalog.drop(found.name)
        del self._items[found.name]
        return summary

    def _table(self, id_: int, config: TableConfig, now: int, region: str, account: str) -> Table:
        stream, context = None, None
        spec = config.stream_specification
        if config.has_stream and spec is not None:
            stream = self._streams.stream(table_stream_name(config.name))
            arn = table_stream_arn(region, account, config.name, stream_label(now))
            context = StreamContext(region=region, stream_arn=arn, view_type=spec.stream_view_type)
        table_arn = arnlib.dynamodb_table(region, account, config.name)
        return Table(id_, config.name, table_arn, config, TableKeys(config), now, stream, context)

    def _load(self, table: Table, canonical_key: str) -> Item | None:
        return self._items[table.name].load(canonical_key)

    def _count(self, table: Table) -> int:
        return len(self._items[table.name].by_key)

    def _partition(self, table: Table, prefix: str) -> list[Item]:
        return [i for k, i in self._items[table.name].by_key.items() if k.startswith(prefix)]

    def _scan_after(self, table: Table, after: str | None, limit: int) -> list[tuple[str, Item]]:
        by_key = self._items[table.name].by_key
        ordered = sorted(by_key, key=lambda key: key.encode("utf-8"))
        start = (
            0
            if after is None
            else bisect.bisect_right(
                ordered, after.encode("utf-8"), key=lambda key: key.encode("utf-8")
            )
        )
        return [(key, by_key[key]) for key in ordered[start : start + limit]]

    def _write(self, table: Table, requests: list[WriteRequest]) -> list[Applied]:
        stream = table.stream

        def append(outgoing: list[Any]) -> list[Any]:
            assert stream is not None
            return self._streams.append(stream.name, outgoing)

        now = int(self._clock.time() * 1000)
        applied = apply_changes(self._items[table.name], append, table, requests, now)
        self._counters.unchanged_writes += sum(1 for a in applied if a.event_name is None)
        self._counters.change_records += sum(1 for a in applied if a.sequence_number)
        return applied

    def trim(self) -> int:
        deleted = self._streams.trim()
        self._counters.records_trimmed += deleted
        return deleted


class MemoryTableStorage:
    """Tables in memory; every call runs inline on the event loop (no thread)."""

    def __init__(
        self,
        tables: Mapping[str, TableConfig] | None = None,
        *,
        region: str = DEFAULT_REGION,
        account: str = DEFAULT_ACCOUNT,
        clock: Clock | None = None,
    ) -> None:
        clock = clock or SystemClock()
        tables = tables or {}
        streams = MemoryStreamCore(
            table_stream_configs(tables),
            region=region,
            account=account,
            clock=clock,
            notify=self._notify,
        )
        self._changes = ThreadedStreamStorage(
            streams, call=call_inline, waker=loop_waker, clock=clock
        )
        self.core = MemoryTableCore(
            tables, region=region, account=account, clock=clock, streams=streams
        )

    def _notify(self, stream_arn: str) -> None:
        self._changes.waker.notify(stream_arn)

    async def list_tables(self) -> list[str]:
        return self.core.table_names

    async def describe_table(self, table: str) -> TableSummary:
        return self.core.describe_table(table)

    async def create_table(self, config: TableConfig) -> TableSummary:
        return self.core.create_table(config)

    async def delete_table(self, table: str) -> TableSummary:
        return self.core.delete_table(table)

    async def get_item(self, table: str, key: Mapping[str, Any]) -> Item | None:
        return self.core.get_item(table, key)

    async def put_item(
        self,
        table: str,
        item: Mapping[str, Any],
        *,
        condition: Condition | None = None,
        return_values: str = "NONE",
    ) -> WriteResult:
        return self.core.put_item(table, item, condition=condition, return_values=return_values)

    async def update_item(
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
        return self.core.update_item(
            table,
            key,
            update=update,
            set=set,
            remove=remove,
            add=add,
            delete=delete,
            condition=condition,
            return_values=return_values,
        )

    async def delete_item(
        self,
        table: str,
        key: Mapping[str, Any],
        *,
        condition: Condition | None = None,
        return_values: str = "NONE",
    ) -> WriteResult:
        return self.core.delete_item(table, key, condition=condition, return_values=return_values)

    async def query(
        self,
        table: str,
        key_condition: Condition,
        options: ReadOptions = EVERYTHING,
        *,
        forward: bool = True,
    ) -> ReadPage:
        return self.core.query(table, key_condition, options, forward=forward)

    async def scan(self, table: str, options: ReadOptions = EVERYTHING) -> ReadPage:
        return self.core.scan(table, options)

    async def batch_write_item(
        self,
        table: str,
        *,
        puts: Sequence[Mapping[str, Any]] = (),
        deletes: Sequence[Mapping[str, Any]] = (),
    ) -> BatchWriteResult:
        return self.core.batch_write_item(table, puts=puts, deletes=deletes)

    async def change_stream(self, table: str) -> ChangeStream:
        arn = self.core.stream_arn(table)
        if arn is None:
            raise InvalidParameterValueException(
                f"Table {table} has no stream: set StreamSpecification on it under tables:"
            )
        return ChangeStream(self._changes, table_stream_name(table), arn)

    async def trim(self) -> int:
        return self.core.trim()

    def statistics(self) -> TableBrokerStatistics:
        return self.core.statistics()

    async def aclose(self) -> None:
        """Nothing to release."""
