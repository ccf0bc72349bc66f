"""The table storage conformance suite over the SQLite backend."""

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
    TestItems,
)

__all__ = ["TestChangeStream", "TestItems"]


@pytest.fixture(params=["sqlite"])
def table_storage_factory(tmp_path: Path) -> TableStorageFactory:
    async def open_sqlite(
        tables: Mapping[str, TableConfig], *, clock: FakeClock, region: str, account: str
    ) -> TableStorage:
        return await ThreadedTableStorage.open(
            tmp_path / "streams.sqlite3", tables, region=region, account=account, clock=clock
        )

    return open_sqlite
