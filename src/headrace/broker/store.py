"""The SQLite file under the queue broker: schema, pragmas and write transactions.

One file, ``<data_dir>/broker.sqlite3``, in WAL mode, shared by every process that opens
it (``headrace run`` and ``headrace send`` at once). Writes take the database's write lock
up front (``BEGIN IMMEDIATE``) and wait up to :data:`BUSY_TIMEOUT_S` for another process;
a lock inside serialises this process's threads on its one connection.

Durability: ``synchronous=NORMAL`` in WAL mode keeps every committed transaction across a
killed process (the WAL is in the OS page cache); after a power loss or OS crash the last
transactions before it may be lost, never the file's consistency.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from headrace.errors import BrokerError

# How long a write waits for another process holding the write lock before failing. Long
# enough for any sane transaction of the other process, short enough to surface a stuck one.
BUSY_TIMEOUT_S = 30.0
# Bumped when the schema changes incompatibly; an older file is refused, not misread.
SCHEMA_VERSION = 1

# Statements run in order on a new file. (Not executescript: it would commit the open
# transaction that keeps two processes from creating the schema at once.)
_SCHEMA = (
    """CREATE TABLE queues (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,        -- epoch seconds: CreatedTimestamp
        last_sequence INTEGER NOT NULL DEFAULT 0
    )""",
    # seq is AUTOINCREMENT so it is never reused: it orders FIFO groups and, with receipt,
    # makes receipt handles that a later message can never match.
    """CREATE TABLE messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        queue_id INTEGER NOT NULL,
        message_id TEXT NOT NULL,
        body TEXT NOT NULL,
        md5_of_body TEXT NOT NULL,
        attributes BLOB,
        md5_of_attributes TEXT,
        sent_at INTEGER NOT NULL,           -- epoch ms: SentTimestamp
        enqueued_at INTEGER NOT NULL,       -- epoch ms the retention period counts from
        visible_at INTEGER NOT NULL,        -- epoch ms, after now: delayed or in flight
        receive_count INTEGER NOT NULL DEFAULT 0,
        first_receive_at INTEGER,           -- epoch ms: ApproximateFirstReceiveTimestamp
        receipt INTEGER NOT NULL DEFAULT 0, -- generation of the current receipt handle
        group_id TEXT,
        dedup_id TEXT,
        sequence_number TEXT                -- FIFO queues only
    )""",
    # "Next visible messages" is a range scan. The index covers every column the selection
    # filters on, so only the chosen rows are read from the table.
    """CREATE INDEX messages_ready
        ON messages (queue_id, visible_at, enqueued_at, receive_count)""",
    # FIFO queues walk their messages in send order. Standard messages stay out of it.
    "CREATE INDEX messages_fifo ON messages (queue_id) WHERE sequence_number IS NOT NULL",
    """CREATE TABLE dedup (
        queue_id INTEGER NOT NULL,
        dedup_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        sequence_number TEXT NOT NULL,
        expires_at INTEGER NOT NULL,        -- epoch ms the deduplication window ends
        PRIMARY KEY (queue_id, dedup_id)
    ) WITHOUT ROWID""",
)


class Database:
    """One connection to the broker file, safe to share between threads.

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
            raise BrokerError(f"cannot open the embedded broker at {path}: {exc}") from exc

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
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise BrokerError(f"the embedded broker at {self.path} is busy: {exc}") from exc
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection for reads outside a transaction (each statement sees a snapshot)."""
        with self._lock:
            yield self._conn

    def close(self) -> None:
        """Close the connection; later calls fail with ``sqlite3.ProgrammingError``."""
        with self._lock:
            self._conn.close()
