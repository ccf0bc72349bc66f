"""The SQLite file under the embedded streams: its schema and the :class:`Database` over it.

One file, ``<data_dir>/streams.sqlite3``, apart from the queues' file so neither side's
schema or locks get in the other's way (the tables' rows live here too, see
``broker/tables/table_store.py``). WAL mode lets ``headrace put`` in one process write while
``headrace run`` in another reads; reads run in a deferred transaction so every statement
of one read sees the same snapshot. Pragmas, locking and durability are
:class:`~headrace.broker.sqlite_file.SqliteFile`'s.
"""

from __future__ import annotations

from pathlib import Path

from headrace.broker.sqlite_file import BUSY_TIMEOUT_S, FileSchema, SqliteFile

__all__ = ["BUSY_TIMEOUT_S", "SCHEMA_VERSION", "Database"]

# Bumped when the schema changes incompatibly; an older file is refused, not misread.
SCHEMA_VERSION = 1

# Statements run in order on a new file (see FileSchema).
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


# The streams file: its schema, "the embedded streams" in its errors, and reads in one
# snapshot (the several statements of one GetRecords see the same shards and records).
_FILE = FileSchema(
    _SCHEMA, SCHEMA_VERSION, label="the embedded streams", plural=True, snapshot_reads=True
)


class Database(SqliteFile):
    """One connection to the streams file, safe to share between threads.

    Raises :class:`~headrace.errors.BrokerError` when the file cannot be opened, has a
    newer schema, another process holds the write lock past :data:`BUSY_TIMEOUT_S`, or a
    statement or commit fails inside a transaction (then rolled back).
    """

    def __init__(self, path: Path) -> None:
        super().__init__(path, _FILE, busy_timeout_s=BUSY_TIMEOUT_S)
