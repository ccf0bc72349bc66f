"""The SQLite file under the queue broker: its schema and the :class:`Database` over it.

One file, ``<data_dir>/broker.sqlite3``, shared by every process that opens it
(``headrace run`` and ``headrace send`` at once); pragmas, locking, transactions and
durability are :class:`~headrace.broker.sqlite_file.SqliteFile`'s.
"""

from __future__ import annotations

from pathlib import Path

from headrace.broker.sqlite_file import BUSY_TIMEOUT_S, FileSchema, SqliteFile

__all__ = ["BUSY_TIMEOUT_S", "SCHEMA_VERSION", "Database"]

# Bumped when the schema changes incompatibly; an older file is refused, not misread.
SCHEMA_VERSION = 1

# The attributes of queues made through the endpoint's CreateQueue (JSON of their
# CreateQueue attributes): they are catalogued from here at every open, beside the config's.
# Added after schema 1 without a version bump: a file without it gets it when opened.
_CREATED_QUEUES = """CREATE TABLE IF NOT EXISTS created_queues (
        queue_id INTEGER PRIMARY KEY,
        attributes TEXT NOT NULL
    )"""

# Statements run in order on a new file (see FileSchema).
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
    _CREATED_QUEUES,
)


# The broker file: its schema, and "the embedded broker" in its error messages.
_FILE = FileSchema(_SCHEMA, SCHEMA_VERSION, label="the embedded broker")


class Database(SqliteFile):
    """One connection to the broker file, safe to share between threads.

    Raises :class:`~headrace.errors.BrokerError` when the file cannot be opened, has a
    newer schema, another process holds the write lock past :data:`BUSY_TIMEOUT_S`, or a
    statement or commit fails inside a write (then rolled back). Reads run outside a
    transaction (each statement sees its own snapshot).
    """

    def __init__(self, path: Path) -> None:
        super().__init__(path, _FILE, busy_timeout_s=BUSY_TIMEOUT_S)
        with self.read() as conn:
            found = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'created_queues'"
            ).fetchone()
        if found is None:  # a file made before created queues were kept
            with self.write() as conn:
                conn.execute(_CREATED_QUEUES)
