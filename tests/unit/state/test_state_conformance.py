"""The state stores' conformance suite over both backends: SQLite and in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from headrace.clock import Clock
from headrace.state.memory_state import memory_state
from headrace.state.sqlite_state import open_sqlite_state
from headrace.state.state_seam import StateStores
from headrace.testing.conformance.state_conformance import (
    StateFactory,
    TestCheckpointStore,
    TestLeaseStore,
    TestMappingRegistry,
    TestStatusStore,
)

__all__ = ["TestCheckpointStore", "TestLeaseStore", "TestMappingRegistry", "TestStatusStore"]


@pytest.fixture(params=["sqlite", "memory"])
def make_state(request: pytest.FixtureRequest, tmp_path: Path) -> StateFactory:
    """Each call: another handle on one storage (a new SQLite connection; the same dicts)."""
    if request.param == "sqlite":
        return lambda clock: open_sqlite_state(tmp_path / "state.sqlite3", clock=clock)
    shared: list[StateStores] = []

    def memory(clock: Clock) -> StateStores:
        if not shared:
            shared.append(memory_state(clock))
        return shared[0]

    return memory
