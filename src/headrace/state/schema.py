"""``<data_dir>/state.sqlite3``: the one schema of the status snapshots and stream checkpoints.

Both stores open the file through :class:`~headrace.broker.sqlite_file.SqliteFile`, so it is
created and checked as the broker files are: under the data_dir's init lock, its statements
in one transaction (never ``executescript``, which commits half-way), whichever store comes
first. Statements say ``IF NOT EXISTS``: files written before the schema had a version
(``user_version`` 0, tables present) are adopted as they are.
"""

from __future__ import annotations

from headrace.broker.sqlite_file import FileSchema

# The state file's name in data_dir.
STATE_FILE_NAME = "state.sqlite3"
# Bumped when the schema changes incompatibly; a newer file is refused, not misread.
STATE_SCHEMA_VERSION = 1
# How long a checkpoint write waits for another process's write lock (`run` publishes status
# while `status` reads, and checkpoints share the file). Status writes wait less (sqlite.py).
STATE_BUSY_TIMEOUT_S = 30.0

_STATEMENTS = (
    """CREATE TABLE IF NOT EXISTS engine (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        pid INTEGER NOT NULL, started_at REAL NOT NULL, heartbeat_at REAL NOT NULL,
        port INTEGER
    )""",
    "CREATE TABLE IF NOT EXISTS mapping_status (uuid TEXT PRIMARY KEY, snapshot TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS stream_checkpoints (
        mapping_uuid TEXT NOT NULL,
        shard_id TEXT NOT NULL,
        position TEXT NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (mapping_uuid, shard_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS stream_mappings (
        mapping_uuid TEXT PRIMARY KEY,
        started_at REAL NOT NULL
    )""",
    # A shard's batches waiting for a retry (a JSON list of RetryState), kept with its
    # checkpoint so a restart does not give a failing batch a fresh MaximumRetryAttempts.
    """CREATE TABLE IF NOT EXISTS stream_retries (
        mapping_uuid TEXT NOT NULL,
        shard_id TEXT NOT NULL,
        batches TEXT NOT NULL,
        PRIMARY KEY (mapping_uuid, shard_id)
    ) WITHOUT ROWID""",
)

# The state file: its schema, and "the state store" in its error messages.
STATE_FILE = FileSchema(_STATEMENTS, STATE_SCHEMA_VERSION, label="the state store")
