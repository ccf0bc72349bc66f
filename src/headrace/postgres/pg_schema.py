"""The state tables on PostgreSQL, with a version and versioned migrations.

Table ``hr_schema_version`` (:mod:`headrace.postgres.pg_migrations`) holds one row per
component of headrace's storage (``state`` here:
checkpoints, retry states, leases, run-time mappings, status), so each component's tables
are migrated on their own. Version 0 is a database without the component's tables.

:func:`migrate_state` brings the state tables to :data:`PG_STATE_SCHEMA_VERSION` by running
the migrations after their version, in one transaction under a transaction-scoped advisory
lock: of many processes starting at once on a new database, one migrates and the others
find it done. A newer version is refused with
:class:`~headrace.errors.StorageSchemaTooNew` before anything is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from headrace.errors import StorageSchemaTooNew
from headrace.postgres.pg_migrations import (
    MIGRATION_LOCK,
    READ_VERSION,
    VERSION_TABLE,
    WRITE_VERSION,
)

if TYPE_CHECKING:
    from headrace.postgres.pg_database import Connection

# The component whose version this module keeps in schema_version.
STATE_COMPONENT = "state"
# The newest version of the state tables this code knows; bumped with every MIGRATIONS entry.
PG_STATE_SCHEMA_VERSION = 1

# MIGRATIONS[n] brings the state tables from version n to n + 1. Append only: a released
# entry never changes, since databases in the field went through it.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    0: (
        # One row per leased resource, kept after release so ``token`` (the fencing counter)
        # only ever grows; ``owner`` is NULL while nobody holds it. Times are the injected
        # clock's seconds, never the server's.
        """CREATE TABLE leases (
            resource TEXT PRIMARY KEY,
            owner TEXT,
            token BIGINT NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL
        )""",
        """CREATE TABLE stream_checkpoints (
            mapping_uuid TEXT NOT NULL,
            shard_id TEXT NOT NULL,
            position TEXT NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (mapping_uuid, shard_id)
        )""",
        """CREATE TABLE stream_mappings (
            mapping_uuid TEXT PRIMARY KEY,
            started_at DOUBLE PRECISION NOT NULL
        )""",
        # A shard's batches waiting for a retry: a JSON list of RetryState fields (§4.2.4).
        """CREATE TABLE stream_retries (
            mapping_uuid TEXT NOT NULL,
            shard_id TEXT NOT NULL,
            batches TEXT NOT NULL,
            PRIMARY KEY (mapping_uuid, shard_id)
        )""",
        # Mappings made at run time: the AWS dict (to_aws()) as JSON text, kept exactly.
        """CREATE TABLE registered_mappings (
            uuid TEXT PRIMARY KEY,
            config TEXT NOT NULL,
            state TEXT NOT NULL,
            last_modified DOUBLE PRECISION NOT NULL
        )""",
        """CREATE TABLE engine (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            pid INTEGER NOT NULL,
            started_at DOUBLE PRECISION NOT NULL,
            heartbeat_at DOUBLE PRECISION NOT NULL,
            port INTEGER
        )""",
        "CREATE TABLE mapping_status (uuid TEXT PRIMARY KEY, snapshot TEXT NOT NULL)",
    ),
}
assert max(MIGRATIONS) + 1 == PG_STATE_SCHEMA_VERSION, "every version needs its migration"


def statements_after(version: int) -> list[str]:
    """The statements that bring state tables at ``version`` to the newest version."""
    statements: list[str] = []
    for step in range(version, PG_STATE_SCHEMA_VERSION):
        statements.extend(MIGRATIONS[step])
    return statements


async def state_schema_version(conn: Connection) -> int:
    """The state tables' stored version (0: none yet); call inside a transaction."""
    await conn.execute(VERSION_TABLE)
    cursor = await conn.execute(READ_VERSION, (STATE_COMPONENT,))
    row = await cursor.fetchone()
    return 0 if row is None else int(row[0])


async def migrate_state(conn: Connection) -> None:
    """Create or migrate the state tables in the connection's search_path, in one
    transaction; :class:`~headrace.errors.StorageSchemaTooNew` for a newer version."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        version = await state_schema_version(conn)
        if version > PG_STATE_SCHEMA_VERSION:
            raise StorageSchemaTooNew(STATE_COMPONENT, found=version, known=PG_STATE_SCHEMA_VERSION)
        for statement in statements_after(version):
            await conn.execute(statement)
        if version < PG_STATE_SCHEMA_VERSION:
            await conn.execute(WRITE_VERSION, (STATE_COMPONENT, PG_STATE_SCHEMA_VERSION))
