"""The stream storage conformance suite over both backends: SQLite and in memory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from headrace.broker.streams.stream_seam import StreamStorage
from headrace.broker.streams.stream_storage_thread import ThreadedStreamStorage
from headrace.clock import FakeClock
from headrace.config.resources import StreamConfig
from headrace.testing.conformance.stream_conformance import (
    StreamStorageFactory,
    TestIterators,
    TestPutAndRead,
    TestResharding,
    TestStreamCatalog,
    TestWaiting,
)
from headrace.testing.memory_stream_storage import MemoryStreamStorage

__all__ = ["TestIterators", "TestPutAndRead", "TestResharding", "TestStreamCatalog", "TestWaiting"]


@pytest.fixture(params=["sqlite", "memory"])
def stream_storage_factory(request: pytest.FixtureRequest, tmp_path: Path) -> StreamStorageFactory:
    async def open_sqlite(
        streams: Mapping[str, StreamConfig], *, clock: FakeClock, region: str, account: str
    ) -> StreamStorage:
        return await ThreadedStreamStorage.open(
            tmp_path / "streams.sqlite3", streams, region=region, account=account, clock=clock
        )

    async def open_memory(
        streams: Mapping[str, StreamConfig], *, clock: FakeClock, region: str, account: str
    ) -> StreamStorage:
        return MemoryStreamStorage(streams, region=region, account=account, clock=clock)

    return open_sqlite if request.param == "sqlite" else open_memory
