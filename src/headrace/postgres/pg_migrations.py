"""Versioned schema migrations on PostgreSQL, one version counter per component.

``hr_schema_version`` holds one row per component (``queue``, later ``stream``, ...) with the
newest migration applied. :func:`migrate` applies the missing steps in one transaction under
a transaction-scoped advisory lock, so processes starting together migrate once and never
see a half-made schema. A version newer than the code knows raises
:class:`~headrace.errors.StorageSchemaTooNew` before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from headrace.errors import StorageSchemaTooNew

if TYPE_CHECKING:
    import psycopg

# The advisory lock key every migration takes, whatever its component and whether it runs
# on a synchronous (queue) or an async (state) connection: one migrator at a time.
MIGRATION_LOCK = 0x6872_6D69_6772
# The version table and its two statements, shared by every component's migrations.
VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS hr_schema_version "
    "(component text PRIMARY KEY, version integer NOT NULL)"
)
READ_VERSION = "SELECT version FROM hr_schema_version WHERE component = %s"
WRITE_VERSION = (
    "INSERT INTO hr_schema_version (component, version) VALUES (%s, %s) "
    "ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version"
)


def migrate(
    conn: psycopg.Connection[tuple[object, ...]], component: str, steps: Sequence[Sequence[str]]
) -> int:
    """Bring ``component`` to version ``len(steps)``: step ``i`` (statements) makes version
    ``i + 1``. Returns the version found before. Runs in its own transaction."""
    known = len(steps)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute(VERSION_TABLE)
        row = conn.execute(READ_VERSION, (component,)).fetchone()
        found = 0 if row is None else int(str(row[0]))
        if found > known:
            raise StorageSchemaTooNew(component, found=found, known=known)
        for step in steps[found:]:
            for statement in step:
                conn.execute(statement.encode())
        if found < known:
            conn.execute(WRITE_VERSION, (component, known))
    return found
