"""The queue storage conformance suite over both backends: SQLite and in memory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from headrace.broker.sqlite_queue_storage import SqliteQueueStorage
from headrace.broker.storage_seam import QueueStorage
from headrace.clock import FakeClock
from headrace.config.model import QueueConfig
from headrace.testing.conformance.queue_conformance import (
    QueueStorageFactory,
    TestFifo,
    TestQueueCatalog,
    TestRedrive,
    TestSendAndReceive,
    TestVisibility,
    TestWaiting,
)
from headrace.testing.memory_queue_storage import MemoryQueueStorage

__all__ = [
    "TestFifo",
    "TestQueueCatalog",
    "TestRedrive",
    "TestSendAndReceive",
    "TestVisibility",
    "TestWaiting",
]


@pytest.fixture(params=["sqlite", "memory"])
def queue_storage_factory(request: pytest.FixtureRequest, tmp_path: Path) -> QueueStorageFactory:
    async def open_sqlite(
        queues: Mapping[str, QueueConfig], *, clock: FakeClock, region: str, account: str
    ) -> QueueStorage:
        return await SqliteQueueStorage.open(
            tmp_path / "broker.sqlite3", queues, region=region, account=account, clock=clock
        )

    async def open_memory(
        queues: Mapping[str, QueueConfig], *, clock: FakeClock, region: str, account: str
    ) -> QueueStorage:
        return MemoryQueueStorage(queues, region=region, account=account, clock=clock)

    return open_sqlite if request.param == "sqlite" else open_memory
