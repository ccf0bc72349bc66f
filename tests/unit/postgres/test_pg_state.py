"""The state stores' conformance suite over PostgreSQL (headrace.testing.conformance)."""

from __future__ import annotations

import pytest

from headrace.postgres.pg_state import pg_state
from headrace.testing.conformance.state_conformance import (
    StateFactory,
    TestCheckpointStore,
    TestLeaseStore,
    TestMappingRegistry,
    TestStatusStore,
)

__all__ = ["TestCheckpointStore", "TestLeaseStore", "TestMappingRegistry", "TestStatusStore"]


@pytest.fixture
def make_state(pg_conninfo: str) -> StateFactory:
    """Each call: another handle (its own connection pool) on the test's schema."""
    return lambda clock: pg_state(pg_conninfo, clock=clock)
