"""Fixtures for the embedded streams' tests: a streams file per test (the clock: ../conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from streams_helpers import ACCOUNT, REGION, StreamsFactory, declared_streams

from headrace.broker.streams import StreamBroker
from headrace.clock import FakeClock
from headrace.config.resources import StreamConfig


@pytest.fixture
def woken() -> list[str]:
    """The keys the streams notified, in order."""
    return []


@pytest.fixture
def streams_path(tmp_path: Path) -> Path:
    return tmp_path / "streams.sqlite3"


@pytest.fixture
def make_streams(
    streams_path: Path, clock: FakeClock, woken: list[str]
) -> Iterator[StreamsFactory]:
    """Open a StreamBroker on the test's file; every one opened is closed after the test."""
    opened: list[StreamBroker] = []

    def make(streams: Mapping[str, StreamConfig] | None = None, **kwargs: object) -> StreamBroker:
        kwargs.setdefault("notify", woken.append)
        broker = StreamBroker(
            streams_path,
            declared_streams() if streams is None else streams,
            region=REGION,
            account=ACCOUNT,
            clock=clock,
            **kwargs,  # type: ignore[arg-type]
        )
        opened.append(broker)
        return broker

    yield make
    for broker in opened:
        broker.close()


@pytest.fixture
def streams(make_streams: StreamsFactory) -> StreamBroker:
    """A broker with ``clicks`` (1 shard) and ``orders`` (3 shards)."""
    return make_streams(declared_streams(clicks=1, orders=3))
