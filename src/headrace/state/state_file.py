"""The one way to open ``<data_dir>/state.sqlite3``: :func:`open_state_file`.

Every user of the file (the status publisher, `headrace status`, stream checkpoints, leases,
the mapping registry) opens it here, so it is created, checked and migrated one way. The file
is a :class:`~headrace.broker.sqlite_file.SqliteFile` (opened through
:mod:`headrace.broker.sqlite_open` under the data_dir's init lock: WAL mode, a truncated file
refused, writes under ``BEGIN IMMEDIATE``); only the schema step differs: instead of "create
or refuse", an older file is migrated (state/schema.py) in one transaction, and a newer one is
refused with :class:`~headrace.errors.StateSchemaTooNew` before anything is written.
"""

from __future__ import annotations

from pathlib import Path

from headrace.broker.sqlite_file import FileSchema, SqliteFile
from headrace.errors import StateSchemaTooNew
from headrace.state.schema import STATE_BUSY_TIMEOUT_S, STATE_SCHEMA_VERSION, statements_from

# "the state store" in error messages; the statements come from schema.statements_from.
_STATE_SCHEMA = FileSchema((), STATE_SCHEMA_VERSION, label="the state store")


class StateFile(SqliteFile):
    """A connection to state.sqlite3 at :data:`~headrace.state.schema.STATE_SCHEMA_VERSION`.

    Raises what :class:`~headrace.broker.sqlite_file.SqliteFile` raises, and
    :class:`~headrace.errors.StateSchemaTooNew` for a file from a newer headrace.
    """

    def _create_schema(self) -> None:
        # Read first: an up-to-date file is opened without waiting for any write lock
        # (`status` reads while a long write holds it). Migrating re-reads the version under
        # the write lock, so two processes opening an old file migrate it once.
        (version,) = self._conn.execute("PRAGMA user_version").fetchone()
        if version < STATE_SCHEMA_VERSION:
            with self.write() as conn:
                (version,) = conn.execute("PRAGMA user_version").fetchone()
                if version < STATE_SCHEMA_VERSION:
                    for statement in statements_from(version):
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version={STATE_SCHEMA_VERSION}")
                    return
        if version > STATE_SCHEMA_VERSION:
            raise StateSchemaTooNew(str(self.path), found=version, known=STATE_SCHEMA_VERSION)


def open_state_file(path: Path, *, busy_timeout: float = STATE_BUSY_TIMEOUT_S) -> StateFile:
    """Open (create, migrate) the state file at ``path``; writes wait ``busy_timeout``
    seconds for another process's write lock."""
    return StateFile(path, _STATE_SCHEMA, busy_timeout)
