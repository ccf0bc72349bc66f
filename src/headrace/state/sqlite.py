"""The state store on SQLite: ``<data_dir>/state.sqlite3``, shared by `run` and `status`."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import msgspec

from headrace.errors import BrokerError
from headrace.esm.statistics import MappingStatistics
from headrace.state.base import EngineRecord

# Seconds a status write waits for another process's write lock on the file before it fails
# (the publisher then retries later: status is best effort, never worth blocking a run).
BUSY_TIMEOUT_SECONDS = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS engine (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pid INTEGER NOT NULL, started_at REAL NOT NULL, heartbeat_at REAL NOT NULL, port INTEGER
);
CREATE TABLE IF NOT EXISTS mapping_status (uuid TEXT PRIMARY KEY, snapshot TEXT NOT NULL);
"""


_encoder = msgspec.json.Encoder()


class SqliteStatusStore:
    """Snapshots of mapping statistics, written by the engine and read by `status`.

    Opening and :meth:`read` raise :class:`~headrace.errors.BrokerError` when the file cannot
    be used (corrupt, on a full disk or a read-only folder).
    """

    def __init__(self, path: Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._failures("open"):
            self._db = sqlite3.connect(path, timeout=busy_timeout, check_same_thread=False)
            with self._lock:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.executescript(_SCHEMA)

    @contextmanager
    def _failures(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise BrokerError(f"cannot {doing} the status store at {self.path}: {exc}") from exc

    def publish(self, engine: EngineRecord, mappings: Sequence[MappingStatistics]) -> None:
        """Store the engine record and the snapshots in one transaction.

        Raises :class:`~headrace.errors.BrokerError` if the write fails (a lock held past
        the busy timeout, a full disk); nothing is half written.
        """
        rows = [(m.uuid, _encode(m)) for m in mappings]
        with self._lock, self._failures("write to"), self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO engine (id, pid, started_at, heartbeat_at, port) "
                "VALUES (1, ?, ?, ?, ?)",
                (engine.pid, engine.started_at, engine.heartbeat_at, engine.port),
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO mapping_status (uuid, snapshot) VALUES (?, ?)", rows
            )

    def read(self) -> tuple[EngineRecord | None, list[MappingStatistics]]:
        with self._failures("read"), self._lock:
            row = self._db.execute(
                "SELECT pid, started_at, heartbeat_at, port FROM engine WHERE id = 1"
            ).fetchone()
            snapshots = self._db.execute("SELECT snapshot FROM mapping_status").fetchall()
        engine = EngineRecord(*row) if row else None
        return engine, [_decode(s) for (s,) in snapshots]

    def clear_engine(self, pid: int) -> None:
        """Forget the engine record of ``pid``; raises BrokerError if the write fails."""
        with self._lock, self._failures("write to"), self._db:
            self._db.execute("DELETE FROM engine WHERE pid = ?", (pid,))

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _encode(stats: MappingStatistics) -> str:
    # msgspec encodes the dataclass (shards included) as asdict + json.dumps would, many
    # times faster: the engine publishes every mapping, with every shard, each second.
    return _encoder.encode(stats).decode("utf-8")


def _decode(text: str) -> MappingStatistics:
    return MappingStatistics.from_dict(json.loads(text))
