"""The SQLite backend of the storage seam: ``state.sqlite3``, reached off the event loop.

:func:`open_sqlite_state` opens the file (:func:`~headrace.state.state_file.open_state_file`)
and returns the four stores of :class:`~headrace.state.state_seam.StateStores`. Checkpoints,
leases and the mapping registry share one connection, so a fenced checkpoint save checks its
lease in its own transaction. Status has a connection of its own with a shorter busy timeout
(``HEADRACE_STATUS_BUSY_TIMEOUT``): a status write waiting for another process's lock must
not hold up a checkpoint, and checkpoints must not make status give up early.

Off the loop, one way: every blocking call goes through :func:`asyncio.to_thread`. Each is
one short transaction; the connection's lock (SqliteFile) serialises a connection's calls,
and the two connections may wait for another process's lock side by side. Times for leases
are read from the injected clock on the loop and passed in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path

from headrace.clock import Clock
from headrace.state.checkpoints import SqliteCheckpointStore
from headrace.state.sqlite import BUSY_TIMEOUT_SECONDS, SqliteStatusStore
from headrace.state.sqlite_leases import SqliteLeaseTable
from headrace.state.sqlite_registry import SqliteMappingTable
from headrace.state.state_file import StateFile, open_state_file
from headrace.state.state_seam import (
    EngineRecord,
    Lease,
    MappingCheckpoints,
    MappingRecord,
    RetryState,
    StateStores,
)
from headrace.statistics import MappingStatistics


class SqliteCheckpoints:
    """:class:`~headrace.state.state_seam.CheckpointStore` on state.sqlite3."""

    def __init__(self, db: StateFile) -> None:
        self._table = SqliteCheckpointStore(db.path, db=db)
        self._db = db

    async def load(self, mapping_uuid: str) -> MappingCheckpoints:
        return await asyncio.to_thread(self._table.load, mapping_uuid)

    async def save(
        self,
        mapping_uuid: str,
        positions: Mapping[str, str],
        retrying: Mapping[str, Sequence[RetryState]] | None = None,
        *,
        lease: Lease | None = None,
    ) -> None:
        await asyncio.to_thread(self._table.save, mapping_uuid, positions, retrying, lease=lease)

    async def aclose(self) -> None:
        """Close the shared connection (the stores of one backend close together)."""
        self._db.close()


class SqliteLeases:
    """:class:`~headrace.state.state_seam.LeaseStore` on state.sqlite3, timed by ``clock``."""

    def __init__(self, db: StateFile, clock: Clock) -> None:
        self._table = SqliteLeaseTable(db)
        self._clock = clock

    async def take(self, resource: str, owner: str, duration: float) -> Lease | None:
        now = self._clock.time()
        return await asyncio.to_thread(self._table.take, resource, owner, duration, now)

    async def renew(self, lease: Lease, duration: float) -> Lease:
        return await asyncio.to_thread(self._table.renew, lease, duration, self._clock.time())

    async def release(self, lease: Lease) -> bool:
        return await asyncio.to_thread(self._table.release, lease)

    async def steal(self, resource: str, owner: str, duration: float) -> Lease:
        now = self._clock.time()
        return await asyncio.to_thread(self._table.steal, resource, owner, duration, now)

    async def holder(self, resource: str) -> Lease | None:
        return await asyncio.to_thread(self._table.holder, resource, self._clock.time())

    async def aclose(self) -> None:
        """Nothing of its own: the connection is the checkpoints'."""


class SqliteMappings:
    """:class:`~headrace.state.state_seam.MappingRegistry` on state.sqlite3; ``owns``: it
    alone uses the connection and closes it."""

    def __init__(self, db: StateFile, *, owns: bool = False) -> None:
        self._table = SqliteMappingTable(db)
        self._db = db if owns else None

    async def put(self, record: MappingRecord) -> None:
        await asyncio.to_thread(self._table.put, record)

    async def get(self, uuid: str) -> MappingRecord | None:
        return await asyncio.to_thread(self._table.get, uuid)

    async def list(self) -> tuple[MappingRecord, ...]:
        return await asyncio.to_thread(self._table.list)

    async def delete(self, uuid: str) -> bool:
        return await asyncio.to_thread(self._table.delete, uuid)

    async def aclose(self) -> None:
        """Close the connection if it owns it (else it is the checkpoints')."""
        if self._db is not None:
            self._db.close()


class SqliteStatus:
    """:class:`~headrace.state.state_seam.StatusStore` on state.sqlite3 (own connection)."""

    def __init__(self, path: Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self._table = SqliteStatusStore(path, busy_timeout=busy_timeout)

    async def publish(self, engine: EngineRecord, mappings: Sequence[MappingStatistics]) -> None:
        await asyncio.to_thread(self._table.publish, engine, mappings)

    async def read(self) -> tuple[EngineRecord | None, list[MappingStatistics]]:
        return await asyncio.to_thread(self._table.read)

    async def clear_engine(self, pid: int) -> None:
        await asyncio.to_thread(self._table.clear_engine, pid)

    async def aclose(self) -> None:
        self._table.close()


def open_sqlite_checkpoints(path: Path) -> SqliteCheckpoints:
    """A checkpoint store alone on the state file at ``path`` (created or migrated)."""
    return SqliteCheckpoints(open_state_file(path))


def open_sqlite_mappings(path: Path) -> SqliteMappings:
    """A mapping registry alone on the state file at ``path`` (created or migrated), on a
    connection of its own; blocking: call it through ``asyncio.to_thread``."""
    return SqliteMappings(open_state_file(path), owns=True)


def open_sqlite_state(
    path: Path, *, clock: Clock, status_busy_timeout: float = BUSY_TIMEOUT_SECONDS
) -> StateStores:
    """The four stores on the state file at ``path`` (created or migrated); blocking: call it
    before the loop runs the engine, or through ``asyncio.to_thread``."""
    db = open_state_file(path)
    try:
        status = SqliteStatus(path, busy_timeout=status_busy_timeout)
    except BaseException:
        db.close()
        raise
    return StateStores(
        checkpoints=SqliteCheckpoints(db),
        leases=SqliteLeases(db, clock),
        mappings=SqliteMappings(db),
        status=status,
    )
