"""Fixtures for the embedded tables' tests: a streams file per test (the clock: ../conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tables_helpers import ACCOUNT, REGION, TablesFactory, read_changes, table_config

from headrace.broker.tables import TableBroker
from headrace.clock import FakeClock
from headrace.config.resources import TableConfig


@pytest.fixture
def woken() -> list[str]:
    """The keys the tables notified, in order."""
    return []


@pytest.fixture
def tables_path(tmp_path: Path) -> Path:
    return tmp_path / "streams.sqlite3"


@pytest.fixture
def declared() -> dict[str, TableConfig]:
    """The tables the ``tables`` fixture declares: ``users`` (id: S, NEW_AND_OLD_IMAGES)."""
    return {"users": table_config()}


@pytest.fixture
def make_tables(
    tables_path: Path, clock: FakeClock, woken: list[str], declared: dict[str, TableConfig]
) -> Iterator[TablesFactory]:
    """Open a TableBroker on the test's file; every one opened is closed after the test."""
    opened: list[TableBroker] = []

    def make(tables: dict[str, TableConfig] | None = None, **kwargs: object) -> TableBroker:
        if tables is not None:
            declared.clear()
            declared.update(tables)
        kwargs.setdefault("notify", woken.append)
        broker = TableBroker(
            tables_path,
            dict(declared),
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
def tables(make_tables: TablesFactory) -> TableBroker:
    return make_tables()


@pytest.fixture
def changes(
    tables_path: Path, declared: dict[str, TableConfig], clock: FakeClock
) -> Callable[..., list[dict[str, Any]]]:
    """Read a table's change records (every shard, from TRIM_HORIZON)."""
    return lambda table="users": read_changes(tables_path, declared, table, clock)
