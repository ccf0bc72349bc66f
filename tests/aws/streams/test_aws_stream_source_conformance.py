"""The stream source conformance suite over the real Kinesis and DynamoDB Streams sources,
on moto's server."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator

import pytest
from streams_support import REGION, Moto

from headrace.aws.clients import AwsSettings
from headrace.clock import SystemClock
from headrace.events import StreamRecord
from headrace.sources.dynamodb_streams import open_dynamodb_stream_source
from headrace.sources.kinesis import open_kinesis_source
from headrace.testing.conformance.source_conformance_streams import (
    StreamSourceFactory,
    StreamUnderTest,
    TestStreamSource,
)

__all__ = ["TestStreamSource"]


def data_label(record: StreamRecord) -> str:
    return record.data.decode()


def key_label(record: StreamRecord) -> str:
    return str(json.loads(record.data)["dynamodb"]["Keys"]["id"]["S"])


def kinesis(moto: Moto, settings: AwsSettings) -> StreamSourceFactory:
    @contextlib.asynccontextmanager
    async def open_stream() -> AsyncIterator[StreamUnderTest]:
        arn = moto.stream(shards=1)
        source = await open_kinesis_source(
            arn, settings, clock=SystemClock(), default_region=REGION
        )

        async def put(label: str) -> None:
            moto.put(arn, label)

        try:
            yield StreamUnderTest(source, put=put, label=data_label)
        finally:
            await source.aclose()

    return open_stream


def dynamodb_streams(moto: Moto, settings: AwsSettings) -> StreamSourceFactory:
    @contextlib.asynccontextmanager
    async def open_stream() -> AsyncIterator[StreamUnderTest]:
        table, arn = moto.table()
        source = await open_dynamodb_stream_source(
            arn, settings, clock=SystemClock(), default_region=REGION
        )

        async def put(label: str) -> None:
            moto.put_item(table, label)

        try:
            yield StreamUnderTest(source, put=put, label=key_label)
        finally:
            await source.aclose()

    return open_stream


@pytest.fixture(params=["kinesis", "dynamodb-streams"])
def stream_source_factory(
    request: pytest.FixtureRequest, moto: Moto, settings: AwsSettings
) -> StreamSourceFactory:
    if request.param == "kinesis":
        return kinesis(moto, settings)
    return dynamodb_streams(moto, settings)
