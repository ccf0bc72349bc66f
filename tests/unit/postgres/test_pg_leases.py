"""The fence on PostgreSQL: a checkpoint write holds its lease row until it commits."""

from __future__ import annotations

import asyncio

import pytest

from headrace.clock import FakeClock
from headrace.errors import LeaseLost
from headrace.postgres.pg_database import PgDatabase
from headrace.postgres.pg_leases import check_lease
from headrace.postgres.pg_state import pg_state_on

SHARD = "shardId-000000000000"


async def _waiting_on_a_lock(db: PgDatabase) -> bool:
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        row = await cursor.fetchone()
    return row is not None and row[0] > 0


async def test_a_steal_waits_for_a_fenced_write_in_flight(pg_conninfo: str) -> None:
    """A steal issued while a fenced save's transaction is open waits for it to commit (the
    lease row is locked FOR SHARE), so the save and the steal are ordered: the save lands
    under the old token, and the old holder's next save is refused with LeaseLost."""
    clock = FakeClock()
    holder_db, thief_db, watcher = (PgDatabase(pg_conninfo) for _ in range(3))
    holder, thief = pg_state_on(holder_db, clock=clock), pg_state_on(thief_db, clock=clock)
    lease = await holder.leases.take(SHARD, "worker-a", 10.0)
    assert lease is not None
    async with holder_db.transaction() as conn:
        await check_lease(conn, lease)
        steal = asyncio.create_task(thief.leases.steal(SHARD, "worker-b", 10.0))
        for _ in range(500):  # until PostgreSQL reports the steal blocked on our row lock
            if await _waiting_on_a_lock(watcher):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the steal never waited for the fenced write")
        assert not steal.done()
        await conn.execute("INSERT INTO stream_checkpoints VALUES ('uuid-1', %s, '7', 0)", (SHARD,))
    stolen = await steal
    assert await thief.leases.holder(SHARD) == stolen
    assert dict((await thief.checkpoints.load("uuid-1")).positions) == {SHARD: "7"}
    with pytest.raises(LeaseLost):
        await holder.checkpoints.save("uuid-1", {SHARD: "8"}, lease=lease)
    assert dict((await thief.checkpoints.load("uuid-1")).positions) == {SHARD: "7"}
    for db in (holder_db, thief_db, watcher):
        await db.aclose()
