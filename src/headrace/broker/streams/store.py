"""The SQLite file under the embedded streams: schema, pragmas and transactions.

One file, ``<data_dir>/streams.sqlite3``, apart from the queues' file so neither side's
schema or locks get in the other's way. WAL mode lets ``headrace put`` in one process write
while ``headrace run`` in another reads. Writes take the write lock up front
(``BEGIN IMMEDIATE``) and wait up to :data:`BUSY_TIMEOUT_S` for another process; reads run
in a deferred transaction so every statement of one read sees the same snapshot. A lock
serialises this process's threads on its one connection.

Durability: ``synchronous=NORMAL`` in WAL mode keeps every committed transaction across a
killed process; after a power loss the last few may be lost, never the file's consistency.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from headrace.errors import BrokerError

# How long a write waits for another process's write lock before failing: long enough for
# any sane transaction of the other process, short enough to surface a stuck one.
BUSY_TIMEOUT_S = 30.0
# Bumped when the schema changes incompatibly; an older file is refused, not misread.
SCHEMA_VERSION = 1

# Statements run in order on a new file, inside the transaction that checks the version
# (executescript would commit it and let two processes create the schema at once).
_SCHEMA = (
    # counter: the last value handed out (records, shard opening and closing); see sequence.py.
    # generation: bumped by every reshard, so writers know to reload the open shards.
    # declared_shard_count: the ShardCount the config last asked for (a change reshards).
    """CREATE TABLE streams (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,          -- epoch ms: StreamCreationTimestamp
        counter INTEGER NOT NULL DEFAULT 0,
        next_shard INTEGER NOT NULL DEFAULT 0,
        generation INTEGER NOT NULL DEFAULT 0,
        declared_shard_count INTEGER NOT NULL
    )""",
    # Hash keys are 128-bit, past SQLite's integers: kept as decimal text, compared in Python.
    """CREATE TABLE shards (
        stream_id INTEGER NOT NULL,
        shard INTEGER NOT NULL,
        start_hash TEXT NOT NULL,
        end_hash TEXT NOT NULL,
        parent INTEGER,
        adjacent_parent INTEGER,
        start_counter INTEGER NOT NULL,
        end_counter INTEGER,                  -- NULL while the shard is open
        closed_at INTEGER,                    -- epoch ms the shard closed
        PRIMARY KEY (stream_id, shard)
    ) WITHOUT ROWID""",
    # Records can be 1 MiB, so they live in a rowid table (WITHOUT ROWID suits small rows).
    """CREATE TABLE records (
        stream_id INTEGER NOT NULL,
        shard INTEGER NOT NULL,
        counter INTEGER NOT NULL,
        arrival INTEGER NOT NULL,             -- epoch ms: ApproximateArrivalTimestamp
        partition_key TEXT NOT NULL,
        data BLOB NOT NULL
    )""",
    # GetRecords is one range scan of this index: a shard's records in sequence order.
    "CREATE UNIQUE INDEX records_by_shard ON records (stream_id, shard, counter)",
    # Trimming by retention deletes the oldest records of a stream.
    "CREATE INDEX records_by_arrival ON records (stream_id, arrival)",
)


class Database:
    """One connection to the streams file, safe to share between threads.

    Raises :class:`~headrace.errors.BrokerError` when the file cannot be opened, has a
    newer schema, or another process holds the write lock past :data:`BUSY_TIMEOUT_S`.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._create_schema()
        except sqlite3.Error as exc:
            raise BrokerError(f"cannot open the embedded streams at {path}: {exc}") from exc

    def _create_schema(self) -> None:
        with self.write() as conn:
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            if version > SCHEMA_VERSION:
                raise BrokerError(
                    f"{self.path} was written by a newer headrace (schema {version}); "
                    "upgrade headrace or use another data_dir"
                )
            if version == 0:
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed on exit, rolled back if the body raises."""
        with self._transaction("BEGIN IMMEDIATE") as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every statement in it sees the same snapshot."""
        with self._transaction("BEGIN") as conn:
            yield conn

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute(begin)
            except sqlite3.OperationalError as exc:
                raise BrokerError(f"the embedded streams at {self.path} are busy: {exc}") from exc
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise BrokerError(f"the embedded streams at {self.path} failed: {exc}") from exc
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        # A failed COMMIT may have ended the transaction already; nothing is left to undo then.
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("ROLLBACK")

    def close(self) -> None:
        """Close the connection; later calls fail with ``sqlite3.ProgrammingError``."""
        with self._lock:
            self._conn.close()
