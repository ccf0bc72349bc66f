"""The queue storage conformance suite over PostgreSQL (each test in its own schema)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from headrace.broker.storage_seam import QueueStorage
from headrace.clock import FakeClock
from headrace.config.model import QueueConfig
from headrace.postgres.pg_queue_storage import PgQueueStorage
from headrace.testing.conformance.queue_conformance import (
    QueueStorageFactory,
    TestFifo,
    TestQueueCatalog,
    TestRedrive,
    TestSendAndReceive,
    TestVisibility,
    TestWaiting,
)

__all__ = [
    "TestFifo",
    "TestQueueCatalog",
    "TestRedrive",
    "TestSendAndReceive",
    "TestVisibility",
    "TestWaiting",
]


@pytest.fixture
def queue_storage_factory(pg_schema: tuple[str, str]) -> QueueStorageFactory:
    url, schema = pg_schema

    async def open_postgres(
        queues: Mapping[str, QueueConfig], *, clock: FakeClock, region: str, account: str
    ) -> QueueStorage:
        return await PgQueueStorage.open(
            url, queues, region=region, account=account, clock=clock, schema=schema
        )

    return open_postgres
