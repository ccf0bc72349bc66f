"""What the stream conformance classes share: the backend factory, the streams, fixtures.

See :mod:`headrace.testing.conformance.stream_conformance` for how a backend runs the suite.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Mapping
from typing import Protocol

import pytest

from headrace.broker.streams.stream_seam import StreamStorage
from headrace.clock import FakeClock
from headrace.config.resources import StreamConfig

REGION = "us-east-1"
ACCOUNT = "123456789012"
# The largest hash key: routes to the last shard of an evenly split stream.
LAST_HASH_KEY = str(2**128 - 1)


class StreamStorageFactory(Protocol):
    """Opens a backend with ``streams`` declared, on ``clock``; the suite closes it."""

    def __call__(
        self, streams: Mapping[str, StreamConfig], *, clock: FakeClock, region: str, account: str
    ) -> Awaitable[StreamStorage]: ...


def stream_arn(name: str) -> str:
    return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"


def conformance_streams() -> dict[str, StreamConfig]:
    """A one-shard stream and a two-shard stream, both kept 24 hours."""
    return {
        "clicks": StreamConfig(name="clicks", shard_count=1),
        "pairs": StreamConfig(name="pairs", shard_count=2),
    }


class StreamStorageContract:
    """Fixtures shared by the suite's classes: the fake clock and an open storage."""

    @pytest.fixture
    def clock(self) -> FakeClock:
        return FakeClock()

    @pytest.fixture
    async def storage(
        self, stream_storage_factory: StreamStorageFactory, clock: FakeClock
    ) -> AsyncIterator[StreamStorage]:
        opened = await stream_storage_factory(
            conformance_streams(), clock=clock, region=REGION, account=ACCOUNT
        )
        try:
            yield opened
        finally:
            await opened.aclose()


async def first_shard(storage: StreamStorage, stream: str) -> str:
    return (await storage.list_shards(stream))[0].shard_id


async def read_all(storage: StreamStorage, stream: str, shard_id: str) -> list[bytes]:
    """Every record of a shard from TRIM_HORIZON, as data."""
    iterator = await storage.get_shard_iterator(stream, shard_id, "TRIM_HORIZON")
    result = await storage.get_records(iterator, 10_000)
    return [r.data for r in result.records]
