"""The stream source conformance suite over the in-memory stream, the embedded stream and
the embedded table stream sources."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from headrace.broker.embedded import EmbeddedBroker
from headrace.broker.tables import TableBroker, dynamodb_event_record
from headrace.clock import SystemClock
from headrace.config.resources import (
    AttributeDefinition,
    KeySchemaElement,
    StreamConfig,
    StreamSpecification,
    TableConfig,
)
from headrace.events import StreamRecord
from headrace.sources.embedded_streams import EmbeddedStreams
from headrace.testing.conformance.source_conformance_streams import (
    StreamSourceFactory,
    StreamUnderTest,
    TestStreamSource,
)
from headrace.testing.memory_stream_source import InMemoryStreamSource

__all__ = ["TestStreamSource"]

REGION = "us-east-1"
ACCOUNT = "000000000000"
USERS = TableConfig(
    name="users",
    key_schema=(KeySchemaElement(attribute_name="id", key_type="HASH"),),
    attribute_definitions=(AttributeDefinition(attribute_name="id", attribute_type="S"),),
    stream_specification=StreamSpecification(stream_view_type="NEW_IMAGE"),
)


def data_label(record: StreamRecord) -> str:
    return record.data.decode()


def key_label(record: StreamRecord) -> str:
    return str(dynamodb_event_record(record)["dynamodb"]["Keys"]["id"]["S"])


def in_memory() -> StreamSourceFactory:
    @contextlib.asynccontextmanager
    async def open_stream() -> AsyncIterator[StreamUnderTest]:
        source = InMemoryStreamSource(
            f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/s", clock=SystemClock()
        )

        async def put(label: str) -> None:
            source.put(label, "key")

        try:
            yield StreamUnderTest(source, put=put, label=data_label)
        finally:
            await source.aclose()

    return open_stream


@contextlib.asynccontextmanager
async def embedded_streams(data_dir: Path) -> AsyncIterator[EmbeddedStreams]:
    async with (
        EmbeddedBroker(data_dir, {}, region=REGION, account=ACCOUNT) as broker,
        EmbeddedStreams(
            data_dir,
            {"clicks": StreamConfig(name="clicks", shard_count=1)},
            {"users": USERS},
            region=REGION,
            account=ACCOUNT,
            waker=broker.waker,
            clock=SystemClock(),
        ) as streams,
    ):
        yield streams


def embedded_stream(data_dir: Path) -> StreamSourceFactory:
    @contextlib.asynccontextmanager
    async def open_stream() -> AsyncIterator[StreamUnderTest]:
        async with embedded_streams(data_dir) as streams:
            source = streams.stream_source("clicks")

            async def put(label: str) -> None:
                streams.storage.core.put_record("clicks", label.encode(), "key")

            try:
                yield StreamUnderTest(source, put=put, label=data_label)
            finally:
                await source.aclose()

    return open_stream


def embedded_table_stream(data_dir: Path) -> StreamSourceFactory:
    @contextlib.asynccontextmanager
    async def open_stream() -> AsyncIterator[StreamUnderTest]:
        async with embedded_streams(data_dir) as streams:
            source = await streams.table_source("users")
            # A separate writer on the same file, as `headrace put-item` would be.
            tables = TableBroker(
                data_dir / "streams.sqlite3", {"users": USERS}, region=REGION, account=ACCOUNT
            )

            async def put(label: str) -> None:
                tables.put_item("users", {"id": {"S": label}})

            try:
                yield StreamUnderTest(source, put=put, label=key_label)
            finally:
                tables.close()
                await source.aclose()

    return open_stream


@pytest.fixture(params=["in-memory", "embedded-stream", "embedded-table-stream"])
def stream_source_factory(request: pytest.FixtureRequest, tmp_path: Path) -> StreamSourceFactory:
    if request.param == "in-memory":
        return in_memory()
    if request.param == "embedded-stream":
        return embedded_stream(tmp_path)
    return embedded_table_stream(tmp_path)
