"""The state store on SQLite: ``<data_dir>/state.sqlite3``, shared by `run` and `status`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import msgspec

from headrace.broker.sqlite_file import SqliteFile
from headrace.esm.statistics import MappingStatistics
from headrace.state.base import EngineRecord
from headrace.state.schema import STATE_BUSY_TIMEOUT_S, STATE_FILE

_encoder = msgspec.json.Encoder()


class SqliteStatusStore:
    """Snapshots of mapping statistics, written by the engine and read by `status`.

    Raises :class:`~headrace.errors.BrokerError` when the file cannot be opened (or is
    truncated, or newer) or a write fails.
    """

    def __init__(self, path: Path) -> None:
        self._db = SqliteFile(path, STATE_FILE, STATE_BUSY_TIMEOUT_S)

    def publish(self, engine: EngineRecord, mappings: Sequence[MappingStatistics]) -> None:
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
        with self._db.read() as conn:
            row = conn.execute(
                "SELECT pid, started_at, heartbeat_at, port FROM engine WHERE id = 1"
            ).fetchone()
            snapshots = conn.execute("SELECT snapshot FROM mapping_status").fetchall()
        engine = EngineRecord(*row) if row else None
        return engine, [_decode(s) for (s,) in snapshots]

    def clear_engine(self, pid: int) -> None:
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
