"""Fixtures for the broker's tests: a broker file per test; the fake clock, also for subfolders."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from broker_helpers import ACCOUNT, REGION, BrokerFactory, declared_queues

from headrace.broker import QueueBroker
from headrace.clock import FakeClock
from headrace.config.model import QueueConfig


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def notified() -> list[str]:
    """The ARNs the broker notified, in order."""
    return []


@pytest.fixture
def make_broker(tmp_path: Path, clock: FakeClock, notified: list[str]) -> Iterator[BrokerFactory]:
    """Open a broker on the test's file; every broker opened is closed after the test."""
    opened: list[QueueBroker] = []

    def make(queues: Mapping[str, QueueConfig] | None = None, **kwargs: object) -> QueueBroker:
        kwargs.setdefault("notify", notified.append)
        broker = QueueBroker(
            tmp_path / "broker.sqlite3",
            declared_queues() if queues is None else queues,
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
def broker(make_broker: BrokerFactory) -> QueueBroker:
    return make_broker()
