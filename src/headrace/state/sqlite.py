"""The state store on SQLite: ``<data_dir>/state.sqlite3``, shared by `run` and `status`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import msgspec

from headrace.errors import BrokerError
from headrace.state.state_file import open_state_file
from headrace.state.state_seam import EngineRecord
from headrace.statistics import MappingStatistics

# Seconds a status write waits for another process's write lock on the file before it fails
# (the publisher then retries later: status is best effort, never worth blocking a run).
BUSY_TIMEOUT_SECONDS = 10.0

_encoder = msgspec.json.Encoder()


class SqliteStatusStore:
    """Snapshots of mapping statistics, written by the engine and read by `status`.

    Opening, :meth:`publish`, :meth:`read` and :meth:`clear_engine` raise
    :class:`~headrace.errors.BrokerError` when the file cannot be used (truncated, corrupt, on
    a full disk or a read-only folder, or locked past ``busy_timeout``); nothing is half
    written.
    """

    def __init__(self, path: Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.path = path
        self._db = open_state_file(path, busy_timeout=busy_timeout)

    def publish(self, engine: EngineRecord, mappings: Sequence[MappingStatistics]) -> None:
        """Store the engine record and the snapshots in one transaction."""
        rows = [(m.uuid, _encode(m)) for m in mappings]
        with self._db.write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO engine (id, pid, started_at, heartbeat_at, port) "
                "VALUES (1, ?, ?, ?, ?)",
                (engine.pid, engine.started_at, engine.heartbeat_at, engine.port),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO mapping_status (uuid, snapshot) VALUES (?, ?)", rows
            )

    def read(self) -> tuple[EngineRecord | None, list[MappingStatistics]]:
        try:
            with self._db.read() as conn:
                row = conn.execute(
                    "SELECT pid, started_at, heartbeat_at, port FROM engine WHERE id = 1"
                ).fetchone()
                snapshots = conn.execute("SELECT snapshot FROM mapping_status").fetchall()
        except sqlite3.Error as exc:
            raise BrokerError(f"cannot read the status store at {self.path}: {exc}") from exc
        engine = EngineRecord(*row) if row else None
        return engine, [_decode(s) for (s,) in snapshots]

    def clear_engine(self, pid: int) -> None:
        """Forget the engine record of ``pid``."""
        with self._db.write() as conn:
            conn.execute("DELETE FROM engine WHERE pid = ?", (pid,))

    def close(self) -> None:
        self._db.close()


def _encode(stats: MappingStatistics) -> str:
    # msgspec encodes the dataclass (shards included) as asdict + json.dumps would, many
    # times faster: the engine publishes every mapping, with every shard, each second.
    return _encoder.encode(stats).decode("utf-8")


def _decode(text: str) -> MappingStatistics:
    return MappingStatistics.from_dict(json.loads(text))
