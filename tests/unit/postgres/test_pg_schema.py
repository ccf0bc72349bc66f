"""The state tables' versioned migrations on PostgreSQL (hr_schema_version, component state)."""

from __future__ import annotations

import asyncio

import pytest

from headrace.clock import FakeClock
from headrace.errors import StorageSchemaTooNew
from headrace.postgres.pg_database import PgDatabase
from headrace.postgres.pg_migrations import VERSION_TABLE
from headrace.postgres.pg_schema import PG_STATE_SCHEMA_VERSION
from headrace.postgres.pg_state import open_pg_state, pg_state
from headrace.state.state_seam import MappingRecord

psycopg = pytest.importorskip("psycopg")  # the dev extra has it; the fixture fails in CI


def _version(conninfo: str) -> list[tuple[str, int]]:
    with psycopg.connect(conninfo) as conn:
        return conn.execute("SELECT component, version FROM hr_schema_version").fetchall()


def _tables(conninfo: str) -> set[str]:
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        ).fetchall()
    return {name for (name,) in rows}


async def test_a_new_database_gets_the_newest_state_tables(pg_conninfo: str) -> None:
    """Opening an empty schema creates the state tables and records their version."""
    stores = await open_pg_state(pg_conninfo, clock=FakeClock())
    await stores.aclose()
    assert _version(pg_conninfo) == [("state", PG_STATE_SCHEMA_VERSION)]
    assert {"leases", "stream_checkpoints", "registered_mappings"} <= _tables(pg_conninfo)


async def test_reopening_keeps_the_data_and_the_version(pg_conninfo: str) -> None:
    """A second open of an up-to-date database migrates nothing and loses nothing."""
    record = MappingRecord("uuid-1", {"UUID": "uuid-1"}, "Enabled", 1.5)
    first = await open_pg_state(pg_conninfo, clock=FakeClock())
    await first.mappings.put(record)
    await first.aclose()
    second = await open_pg_state(pg_conninfo, clock=FakeClock())
    assert await second.mappings.get("uuid-1") == record
    await second.aclose()
    assert _version(pg_conninfo) == [("state", PG_STATE_SCHEMA_VERSION)]


async def test_many_processes_opening_a_new_database_migrate_it_once(pg_conninfo: str) -> None:
    """Handles racing to open an empty schema all succeed (the advisory lock serialises the
    migration; the losers find it done)."""
    handles = [pg_state(pg_conninfo, clock=FakeClock()) for _ in range(5)]
    await asyncio.gather(*(stores.mappings.list() for stores in handles))
    for stores in handles:
        await stores.aclose()
    assert _version(pg_conninfo) == [("state", PG_STATE_SCHEMA_VERSION)]


async def test_a_newer_schema_is_refused_and_left_alone(pg_conninfo: str) -> None:
    """A version newer than the code knows raises StorageSchemaTooNew naming both versions,
    and creates no table."""
    newer = PG_STATE_SCHEMA_VERSION + 1
    with psycopg.connect(pg_conninfo) as conn:
        conn.execute(VERSION_TABLE)
        conn.execute("INSERT INTO hr_schema_version VALUES ('state', %s)", (newer,))
    with pytest.raises(StorageSchemaTooNew) as raised:
        await open_pg_state(pg_conninfo, clock=FakeClock())
    assert (raised.value.found, raised.value.known) == (newer, PG_STATE_SCHEMA_VERSION)
    assert str(newer) in str(raised.value)
    assert _version(pg_conninfo) == [("state", newer)]
    assert _tables(pg_conninfo) == {"hr_schema_version"}


async def test_a_closed_handle_refuses_calls(pg_conninfo: str) -> None:
    """After aclose (idempotent), a store call raises instead of reconnecting."""
    db = PgDatabase(pg_conninfo)
    await db.ready()
    await db.aclose()
    await db.aclose()
    with pytest.raises(Exception, match="closed"):
        await db.ready()
