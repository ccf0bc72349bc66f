"""``<data_dir>/state.sqlite3``: its one schema, with a version and versioned migrations.

The file holds status snapshots, stream checkpoints and retry states, shard leases and the
mappings made at run time. ``PRAGMA user_version`` is its schema version:

- 0: a new file, or one written before the schema had a version (its tables, if any, are
  those of version 1 and are adopted: the version-1 statements say ``IF NOT EXISTS``);
- 1: status, checkpoints, retry states (headrace up to the storage seam, issue 9);
- 2: adds ``leases`` (with their fencing counter) and ``registered_mappings``.

Opening (:mod:`headrace.state.state_file`) brings an older file to :data:`STATE_SCHEMA_VERSION`
by running the migrations after its version in one transaction; a newer file is refused
with :class:`~headrace.errors.StateSchemaTooNew`, never touched.
"""

from __future__ import annotations

# The state file's name in data_dir.
STATE_FILE_NAME = "state.sqlite3"
# The newest schema this code knows; bumped with every entry of MIGRATIONS.
STATE_SCHEMA_VERSION = 2
# How long a checkpoint or lease write waits for another process's write lock (`run`
# publishes status while `status` reads, and checkpoints share the file). Status writes wait
# less (sqlite_status.py).
STATE_BUSY_TIMEOUT_S = 30.0

# Version 1, as headrace wrote it before the storage seam; run on a new or unversioned file.
V1_STATEMENTS = (
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

# MIGRATIONS[n] brings a file from version n to n + 1. Append only: a released entry never
# changes, since files in the field went through it.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        # One row per leased resource, kept after release so ``token`` (the fencing
        # counter) only ever grows; ``owner`` is NULL while nobody holds it.
        """CREATE TABLE leases (
            resource TEXT PRIMARY KEY,
            owner TEXT,
            token INTEGER NOT NULL,
            expires_at REAL NOT NULL
        ) WITHOUT ROWID""",
        # Mappings made at run time: the AWS dict (to_aws()) as JSON, state, LastModified.
        """CREATE TABLE registered_mappings (
            uuid TEXT PRIMARY KEY,
            config TEXT NOT NULL,
            state TEXT NOT NULL,
            last_modified REAL NOT NULL
        ) WITHOUT ROWID""",
    ),
}
assert max(MIGRATIONS) + 1 == STATE_SCHEMA_VERSION, "every version needs its migration"


def statements_from(version: int) -> list[str]:
    """The statements that bring a file at ``version`` to :data:`STATE_SCHEMA_VERSION`."""
    statements = list(V1_STATEMENTS) if version == 0 else []
    for step in range(max(version, 1), STATE_SCHEMA_VERSION):
        statements.extend(MIGRATIONS[step])
    return statements
