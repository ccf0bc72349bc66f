"""Stream checkpoints in ``<data_dir>/state.sqlite3``, and an in-memory store for tests.

One row per (mapping UUID, shard id) holds the sequence number of the last settled record
(or ``SHARD_END`` / ``TRIM_HORIZON``); one row per mapping says it has started. Every
:meth:`SqliteCheckpointStore.save` is one small transaction, so a restart resumes exactly
where the last settled batch ended (§7.3-7.4), and several mappings on one stream each keep
their own positions (§5.4).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from pathlib import Path

from headrace.broker.sqlite_file import SqliteFile
from headrace.state.base import MappingCheckpoints
from headrace.state.schema import STATE_BUSY_TIMEOUT_S, STATE_FILE


class SqliteCheckpointStore:
    """Checkpoints in SQLite (WAL), safe to use from any thread.

    Raises :class:`~headrace.errors.BrokerError` when the file cannot be opened (or is
    truncated, or newer) or a save fails (then nothing of it is stored).
    """

    def __init__(self, path: Path) -> None:
        self._db = SqliteFile(path, STATE_FILE, STATE_BUSY_TIMEOUT_S)

    def load(self, mapping_uuid: str) -> MappingCheckpoints:
        """The stored positions of one mapping (empty and not started if it never ran)."""
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT shard_id, position FROM stream_checkpoints WHERE mapping_uuid = ?",
                (mapping_uuid,),
            ).fetchall()
            started = conn.execute(
                "SELECT 1 FROM stream_mappings WHERE mapping_uuid = ?", (mapping_uuid,)
            ).fetchone()
        return MappingCheckpoints(started is not None, {shard: pos for shard, pos in rows})

    def save(self, mapping_uuid: str, positions: Mapping[str, str]) -> None:
        """Store ``positions`` and mark the mapping started, in one transaction."""
        now = time.time()
        rows = [(mapping_uuid, shard, pos, now) for shard, pos in positions.items()]
        with self._db.write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO stream_mappings (mapping_uuid, started_at) VALUES (?, ?)",
                (mapping_uuid, now),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO stream_checkpoints "
                "(mapping_uuid, shard_id, position, updated_at) VALUES (?, ?, ?, ?)",
                rows,
            )

    def close(self) -> None:
        self._db.close()


class InMemoryCheckpointStore:
    """Checkpoints in a dict: the same contract, not durable. For tests."""

    def __init__(self) -> None:
        self._positions: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()
        self.saves = 0  # how many save() transactions there were

    def load(self, mapping_uuid: str) -> MappingCheckpoints:
        with self._lock:
            positions = self._positions.get(mapping_uuid)
            return MappingCheckpoints(positions is not None, dict(positions or {}))

    def save(self, mapping_uuid: str, positions: Mapping[str, str]) -> None:
        with self._lock:
            self._positions.setdefault(mapping_uuid, {}).update(positions)
            self.saves += 1

    def close(self) -> None:
        """Nothing to release."""
