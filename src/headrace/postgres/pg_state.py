"""The PostgreSQL backend of the state seam: checkpoints, leases, run-time mappings, status.

:func:`pg_state` returns the four stores of :class:`~headrace.state.state_seam.StateStores`
on one :class:`~headrace.postgres.pg_database.PgDatabase` (one pool); it does not connect:
the first call does (or :func:`open_pg_state`, which connects and migrates at once). Every
call is one transaction. A fenced checkpoint save checks its lease in its own transaction
(:func:`~headrace.postgres.pg_leases.check_lease`), so a holder that lost its lease never
commits a position or a retry state. Many processes may share the database: the tables are
the only shared state.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from headrace.clock import Clock
from headrace.postgres.pg_database import PgDatabase
from headrace.postgres.pg_leases import PgLeases, check_lease
from headrace.state.state_seam import (
    EngineRecord,
    Lease,
    MappingCheckpoints,
    MappingRecord,
    RetryState,
    StateStores,
)
from headrace.statistics import MappingStatistics

if TYPE_CHECKING:
    from headrace.postgres.pg_database import Connection

_MAPPING_COLUMNS = "uuid, config, state, last_modified"
_encoder = msgspec.json.Encoder()


class PgCheckpoints:
    """:class:`~headrace.state.state_seam.CheckpointStore` on PostgreSQL (§7.3, §5.4)."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    async def load(self, mapping_uuid: str) -> MappingCheckpoints:
        async with self._db.transaction() as conn:
            rows = await _all(
                conn,
                "SELECT shard_id, position FROM stream_checkpoints WHERE mapping_uuid = %s",
                mapping_uuid,
            )
            started = await _all(
                conn, "SELECT 1 FROM stream_mappings WHERE mapping_uuid = %s", mapping_uuid
            )
            retries = await _all(
                conn,
                "SELECT shard_id, batches FROM stream_retries WHERE mapping_uuid = %s",
                mapping_uuid,
            )
        return MappingCheckpoints(
            bool(started),
            {shard: position for shard, position in rows},
            {shard: _decode_retries(text) for shard, text in retries},
        )

    async def save(
        self,
        mapping_uuid: str,
        positions: Mapping[str, str],
        retrying: Mapping[str, Sequence[RetryState]] | None = None,
        *,
        lease: Lease | None = None,
    ) -> None:
        now = time.time()
        rows = [(mapping_uuid, shard, position, now) for shard, position in positions.items()]
        async with self._db.transaction() as conn:
            if lease is not None:
                await check_lease(conn, lease)  # in the write's transaction: a fence
            await conn.execute(
                "INSERT INTO stream_mappings (mapping_uuid, started_at) VALUES (%s, %s) "
                "ON CONFLICT (mapping_uuid) DO NOTHING",
                (mapping_uuid, now),
            )
            async with conn.cursor() as cursor:
                await cursor.executemany(
                    "INSERT INTO stream_checkpoints (mapping_uuid, shard_id, position, "
                    "updated_at) VALUES (%s, %s, %s, %s) ON CONFLICT (mapping_uuid, shard_id) "
                    "DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at",
                    rows,
                )
            for shard, states in (retrying or {}).items():
                await _save_retries(conn, mapping_uuid, shard, states)

    async def aclose(self) -> None:
        await self._db.aclose()


class PgMappings:
    """:class:`~headrace.state.state_seam.MappingRegistry` on PostgreSQL; the AWS dict is kept
    as JSON text, exactly as ``to_aws()`` made it."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    async def put(self, record: MappingRecord) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO registered_mappings ({_MAPPING_COLUMNS}) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (uuid) DO UPDATE SET config = EXCLUDED.config, "
                "state = EXCLUDED.state, last_modified = EXCLUDED.last_modified",
                (record.uuid, json.dumps(record.config), record.state, record.last_modified),
            )

    async def get(self, uuid: str) -> MappingRecord | None:
        async with self._db.transaction() as conn:
            rows = await _all(
                conn, f"SELECT {_MAPPING_COLUMNS} FROM registered_mappings WHERE uuid = %s", uuid
            )
        return _record(rows[0]) if rows else None

    async def list(self) -> tuple[MappingRecord, ...]:
        async with self._db.transaction() as conn:
            rows = await _all(
                conn,
                f'SELECT {_MAPPING_COLUMNS} FROM registered_mappings ORDER BY uuid COLLATE "C"',
            )
        return tuple(_record(row) for row in rows)

    async def delete(self, uuid: str) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM registered_mappings WHERE uuid = %s", (uuid,))
        return bool(cursor.rowcount)

    async def aclose(self) -> None:
        await self._db.aclose()


class PgStatus:
    """:class:`~headrace.state.state_seam.StatusStore` on PostgreSQL."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    async def publish(self, engine: EngineRecord, mappings: Sequence[MappingStatistics]) -> None:
        rows = [(m.uuid, _encoder.encode(m).decode("utf-8")) for m in mappings]
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO engine (id, pid, started_at, heartbeat_at, port) "
                "VALUES (1, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET pid = EXCLUDED.pid, "
                "started_at = EXCLUDED.started_at, heartbeat_at = EXCLUDED.heartbeat_at, "
                "port = EXCLUDED.port",
                (engine.pid, engine.started_at, engine.heartbeat_at, engine.port),
            )
            async with conn.cursor() as cursor:
                await cursor.executemany(
                    "INSERT INTO mapping_status (uuid, snapshot) VALUES (%s, %s) "
                    "ON CONFLICT (uuid) DO UPDATE SET snapshot = EXCLUDED.snapshot",
                    rows,
                )

    async def read(self) -> tuple[EngineRecord | None, list[MappingStatistics]]:
        async with self._db.transaction() as conn:
            engine = await _all(
                conn, "SELECT pid, started_at, heartbeat_at, port FROM engine WHERE id = 1"
            )
            snapshots = await _all(conn, "SELECT snapshot FROM mapping_status ORDER BY uuid")
        return (
            EngineRecord(*engine[0]) if engine else None,
            [MappingStatistics.from_dict(json.loads(text)) for (text,) in snapshots],
        )

    async def clear_engine(self, pid: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM engine WHERE pid = %s", (pid,))

    async def aclose(self) -> None:
        await self._db.aclose()


def pg_state(conninfo: str, *, clock: Clock) -> StateStores:
    """The four stores on the database at ``conninfo``; connects on first use."""
    return pg_state_on(PgDatabase(conninfo), clock=clock)


def pg_state_on(db: PgDatabase, *, clock: Clock) -> StateStores:
    """The four stores on ``db``; closing them closes ``db``."""
    return StateStores(
        checkpoints=PgCheckpoints(db),
        leases=PgLeases(db, clock),
        mappings=PgMappings(db),
        status=PgStatus(db),
    )


async def open_pg_state(conninfo: str, *, clock: Clock) -> StateStores:
    """:func:`pg_state`, connected and migrated now (a start-up error is raised here)."""
    db = PgDatabase(conninfo)
    await db.ready()
    return pg_state_on(db, clock=clock)


async def _all(conn: Connection, query: str, *params: object) -> list[tuple[Any, ...]]:
    cursor = await conn.execute(query, params or None)
    return await cursor.fetchall()


async def _save_retries(
    conn: Connection, mapping_uuid: str, shard: str, states: Sequence[RetryState]
) -> None:
    """Replace the shard's retry states (an empty sequence forgets them, §4.2.4)."""
    if not states:
        await conn.execute(
            "DELETE FROM stream_retries WHERE mapping_uuid = %s AND shard_id = %s",
            (mapping_uuid, shard),
        )
        return
    batches = json.dumps([dataclasses.astuple(state) for state in states])
    await conn.execute(
        "INSERT INTO stream_retries (mapping_uuid, shard_id, batches) VALUES (%s, %s, %s) "
        "ON CONFLICT (mapping_uuid, shard_id) DO UPDATE SET batches = EXCLUDED.batches",
        (mapping_uuid, shard, batches),
    )


def _decode_retries(text: str) -> tuple[RetryState, ...]:
    return tuple(RetryState(*fields) for fields in json.loads(text))


def _record(row: tuple[Any, ...]) -> MappingRecord:
    uuid, config, state, last_modified = row
    return MappingRecord(uuid, json.loads(config), state, last_modified)
