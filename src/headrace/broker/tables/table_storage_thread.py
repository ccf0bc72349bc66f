"""A :class:`TableBroker` behind the async ``TableStorage`` seam (``table_seam.py``).

:class:`ThreadedTableStorage` runs each call on one broker thread (through
:class:`~headrace.broker.core_calls.CoreCalls`), and reads the tables' change streams
through a ``ThreadedStreamStorage`` over the same file on the same thread (tables open
first: they fix the streams' labels): its own, opened on first need, or the run's embedded
streams (:meth:`ThreadedTableStorage.beside`), which then learn the change streams of tables
CreateTable makes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from headrace.broker.core_calls import BrokerCall, CoreCalls, open_on_thread
from headrace.broker.streams.stream_broker import StreamBroker
from headrace.broker.streams.stream_storage_thread import StreamCore, ThreadedStreamStorage
from headrace.broker.tables.attribute_values import Item
from headrace.broker.tables.expression_nodes import Condition, UpdateExpression
from headrace.broker.tables.naming import (
    table_stream_config,
    table_stream_configs,
    table_stream_name,
)
from headrace.broker.tables.table_broker import TableBroker
from headrace.broker.tables.table_reads import EVERYTHING, ReadOptions
from headrace.broker.tables.table_results import (
    BatchWriteResult,
    ReadPage,
    TableBrokerStatistics,
    TableSummary,
    WriteResult,
)
from headrace.broker.tables.table_seam import ChangeStream
from headrace.broker.thread import BrokerThread
from headrace.broker.wake import Waker
from headrace.clock import Clock, SystemClock
from headrace.config.resources import TableConfig
from headrace.errors import InvalidParameterValueException, ResourceNotFoundException


@dataclass(frozen=True, slots=True)
class _StreamsOpener:
    """How to open the change streams of the tables' file, on first use."""

    path: Path
    region: str
    account: str
    clock: Clock
    notify: Callable[[str], None] | None

    def __call__(self, tables: Mapping[str, TableConfig]) -> StreamBroker:
        return StreamBroker(
            self.path,
            table_stream_configs(tables),
            region=self.region,
            account=self.account,
            clock=self.clock,
            notify=self.notify,
        )


class ThreadedTableStorage(CoreCalls[TableBroker]):
    """The tables of one file and their change streams; open with :meth:`open`.

    The change streams are opened on the first :meth:`change_stream` call: a write needs
    only the tables.
    """

    def __init__(
        self,
        broker: TableBroker,
        opener: _StreamsOpener | None,
        *,
        call: BrokerCall,
        waker: Waker,
        clock: Clock,
        thread: BrokerThread | None = None,
        changes: ThreadedStreamStorage | None = None,
    ) -> None:
        super().__init__(broker, call=call, waker=waker, clock=clock, owns=True, thread=thread)
        self._opener = opener
        self._changes = changes

    @classmethod
    def beside(
        cls, broker: TableBroker, thread: BrokerThread, changes: ThreadedStreamStorage
    ) -> ThreadedTableStorage:
        """The tables of ``broker`` (open on ``thread``) whose change streams are read
        through ``changes``, a stream storage on the same file and thread that its owner
        closes, with the thread; :meth:`aclose` closes only ``broker``."""
        return cls(
            broker,
            None,
            call=thread.call,
            waker=changes.waker,
            clock=changes.clock,
            changes=changes,
        )

    @classmethod
    async def open(
        cls,
        path: Path,
        tables: Mapping[str, TableConfig],
        *,
        region: str,
        account: str,
        clock: Clock | None = None,
        wake_other_processes: bool = False,
    ) -> ThreadedTableStorage:
        """Open ``path`` on a new broker thread. Writes wake this storage's change-stream
        readers, or with ``wake_other_processes`` the ``headrace run`` of ``path``'s folder."""
        clock = clock or SystemClock()
        waker = Waker(asyncio.get_running_loop())
        notify = None if wake_other_processes else waker.notify_threadsafe
        broker, thread = await open_on_thread(
            "headrace-tables",
            TableBroker,
            path,
            tables,
            region=region,
            account=account,
            clock=clock,
            notify=notify,
        )
        opener = _StreamsOpener(path, region, account, clock, notify)
        return cls(broker, opener, call=thread.call, waker=waker, clock=clock, thread=thread)

    def list_tables(self) -> Awaitable[list[str]]:
        return self._call(_names, self.core)

    def describe_table(self, table: str) -> Awaitable[TableSummary]:
        return self._call(self.core.describe_table, table)

    async def create_table(self, config: TableConfig) -> TableSummary:
        summary = await self._call(self.core.create_table, config)
        if self._changes is not None and config.has_stream:
            stream = table_stream_config(config)
            await self._call(self._changes.core.attach_stream, stream)
        return summary

    async def delete_table(self, table: str) -> TableSummary:
        summary = await self._call(self.core.delete_table, table)
        if self._changes is not None and summary.latest_stream_arn is not None:
            name = table_stream_name(summary.table_name)
            await self._call(_forget_stream, self._changes.core, name)
        return summary

    def get_item(self, table: str, key: Mapping[str, Any]) -> Awaitable[Item | None]:
        return self._call(self.core.get_item, table, key)

    def put_item(
        self,
        table: str,
        item: Mapping[str, Any],
        *,
        condition: Condition | None = None,
        return_values: str = "NONE",
    ) -> Awaitable[WriteResult]:
        return self._call(
            self.core.put_item, table, item, condition=condition, return_values=return_values
        )

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
        return self._call(
            self.core.update_item,
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

    def delete_item(
        self,
        table: str,
        key: Mapping[str, Any],
        *,
        condition: Condition | None = None,
        return_values: str = "NONE",
    ) -> Awaitable[WriteResult]:
        return self._call(
            self.core.delete_item, table, key, condition=condition, return_values=return_values
        )

    def query(
        self,
        table: str,
        key_condition: Condition,
        options: ReadOptions = EVERYTHING,
        *,
        forward: bool = True,
    ) -> Awaitable[ReadPage]:
        return self._call(self.core.query, table, key_condition, options, forward=forward)

    def scan(self, table: str, options: ReadOptions = EVERYTHING) -> Awaitable[ReadPage]:
        return self._call(self.core.scan, table, options)

    def batch_write_item(
        self,
        table: str,
        *,
        puts: Sequence[Mapping[str, Any]] = (),
        deletes: Sequence[Mapping[str, Any]] = (),
    ) -> Awaitable[BatchWriteResult]:
        return self._call(self.core.batch_write_item, table, puts=puts, deletes=deletes)

    async def change_stream(self, table: str) -> ChangeStream:
        arn = await self._call(self.core.stream_arn, table)
        if arn is None:
            raise InvalidParameterValueException(
                f"Table {table} has no stream: set StreamSpecification on it under tables:"
            )
        if self._changes is None:
            opener = self._opener
            assert opener is not None  # only storages made ``beside`` streams have none
            tables = await self._call(self.core.table_configs)
            streams = await self._call(opener, tables)
            self._changes = ThreadedStreamStorage(
                streams, call=self._call, waker=self.waker, clock=self._clock, owns=True
            )
        return ChangeStream(self._changes, table_stream_name(table), arn)

    def trim(self) -> Awaitable[int]:
        return self._call(self.core.trim)

    def statistics(self) -> TableBrokerStatistics:
        return self.core.statistics()

    async def aclose(self) -> None:
        """Close both brokers, then stop the thread. Safe to call twice."""
        await self._close_core()
        if self._opener is None:
            return  # the streams and the thread are their owner's
        if self._changes is not None:
            await self._changes.aclose()
        self._stop_thread()


def _names(broker: TableBroker) -> list[str]:
    return broker.table_names


def _forget_stream(streams: StreamCore, name: str) -> None:
    """Drop a deleted table's change stream from ``streams`` (gone from the file already)."""
    with contextlib.suppress(ResourceNotFoundException):
        streams.delete_stream(name)
