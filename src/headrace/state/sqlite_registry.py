"""Mappings made at run time in ``state.sqlite3``, blocking; run off the loop by
:mod:`headrace.state.sqlite_state`. The AWS dict is stored as JSON, as ``to_aws()`` made it."""

from __future__ import annotations

import json

from headrace.state.state_file import StateFile
from headrace.state.state_seam import MappingRecord

_COLUMNS = "uuid, config, state, last_modified"


class SqliteMappingTable:
    """The ``registered_mappings`` table of one :class:`~headrace.state.state_file.StateFile`."""

    def __init__(self, db: StateFile) -> None:
        self._db = db

    def put(self, record: MappingRecord) -> None:
        """Store ``record``, replacing the one with its UUID."""
        with self._db.write() as conn:
            conn.execute(
                f"INSERT OR REPLACE INTO registered_mappings ({_COLUMNS}) VALUES (?, ?, ?, ?)",
                (record.uuid, json.dumps(record.config), record.state, record.last_modified),
            )

    def get(self, uuid: str) -> MappingRecord | None:
        with self._db.read() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM registered_mappings WHERE uuid = ?", (uuid,)
            ).fetchone()
        return None if row is None else _record(row)

    def list(self) -> tuple[MappingRecord, ...]:
        with self._db.read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM registered_mappings ORDER BY uuid"
            ).fetchall()
        return tuple(_record(row) for row in rows)

    def delete(self, uuid: str) -> bool:
        with self._db.write() as conn:
            return bool(
                conn.execute("DELETE FROM registered_mappings WHERE uuid = ?", (uuid,)).rowcount
            )


def _record(row: tuple[str, str, str, float]) -> MappingRecord:
    uuid, config, state, last_modified = row
    return MappingRecord(uuid, json.loads(config), state, last_modified)
