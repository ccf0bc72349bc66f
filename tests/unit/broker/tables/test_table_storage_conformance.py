"""The table storage conformance suite over both backends: SQLite and in memory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from headrace.broker.tables.table_seam import TableStorage
from headrace.broker.tables.table_storage_thread import ThreadedTableStorage
from headrace.clock import FakeClock
from headrace.config.resources import TableConfig
from headrace.testing.conformance.table_conformance import (
    TableStorageFactory,
    TestChangeStream,
    TestConditionsAndUpdates,
    TestCreateAndDeleteTables,
    TestItems,
    TestQueryAndScan,
)
from headrace.testing.memory_table_storage import MemoryTableStorage

__all__ = [
    "TestChangeStream",
    "TestConditionsAndUpdates",
    "TestCreateAndDeleteTables",
    "TestItems",
    "TestQueryAndScan",
]


@pytest.fixture(params=["sqlite", "memory"])
def table_storage_factory(request: pytest.FixtureRequest, tmp_path: Path) -> TableStorageFactory:
    async def open_sqlite(
        tables: Mapping[str, TableConfig], *, clock: FakeClock, region: str, account: str
    ) -> TableStorage:
        return await ThreadedTableStorage.open(
            tmp_path / "streams.sqlite3", tables, region=region, account=account, clock=clock
        )

    async def open_memory(
        tables: Mapping[str, TableConfig], *, clock: FakeClock, region: str, account: str
    ) -> TableStorage:
        return MemoryTableStorage(tables, region=region, account=account, clock=clock)

    return open_sqlite if request.param == "sqlite" else open_memory
