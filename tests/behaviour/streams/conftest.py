"""Every test of this folder runs once per stream kind: embedded stream, Kinesis on moto,
embedded table, DynamoDB Streams on moto (moto kinds skip locally without moto, fail in CI)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from stream_backends import (
    DynamoDBStreamsBackend,
    EmbeddedStreamBackend,
    EmbeddedTableBackend,
    KinesisBackend,
    StreamBackend,
)

# The kinds of stream the shared suite runs over.
STREAM_KINDS = ("embedded-stream", "kinesis", "embedded-table", "dynamodb-streams")


@pytest.fixture(params=STREAM_KINDS)
async def stream(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StreamBackend]:
    """An open stream of the test's kind, with a source reading it."""
    chosen: StreamBackend
    if request.param == "kinesis":
        chosen = KinesisBackend(request.getfixturevalue("moto_endpoint"))
    elif request.param == "dynamodb-streams":
        chosen = DynamoDBStreamsBackend(request.getfixturevalue("moto_endpoint"))
    elif request.param == "embedded-table":
        chosen = EmbeddedTableBackend()
    else:
        chosen = EmbeddedStreamBackend()
    async with contextlib.AsyncExitStack() as exits:
        await chosen.open(tmp_path, exits)
        yield chosen
