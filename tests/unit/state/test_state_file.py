"""Opening state.sqlite3: one schema version, migrations from older files, newer ones refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from headrace.errors import BrokerError, StateSchemaTooNew
from headrace.state.checkpoints import SqliteCheckpointStore
from headrace.state.schema import STATE_SCHEMA_VERSION
from headrace.state.sqlite import SqliteStatusStore
from headrace.state.state_file import open_state_file

# The schema as headrace wrote it before the storage seam (version 1), copied here on purpose:
# the test must keep building yesterday's file even when the code's statements change.
TODAYS_DDL = (
    "CREATE TABLE engine (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, "
    "started_at REAL NOT NULL, heartbeat_at REAL NOT NULL, port INTEGER)",
    "CREATE TABLE mapping_status (uuid TEXT PRIMARY KEY, snapshot TEXT NOT NULL)",
    "CREATE TABLE stream_checkpoints (mapping_uuid TEXT NOT NULL, shard_id TEXT NOT NULL, "
    "position TEXT NOT NULL, updated_at REAL NOT NULL, PRIMARY KEY (mapping_uuid, shard_id)) "
    "WITHOUT ROWID",
    "CREATE TABLE stream_mappings (mapping_uuid TEXT PRIMARY KEY, started_at REAL NOT NULL)",
    "CREATE TABLE stream_retries (mapping_uuid TEXT NOT NULL, shard_id TEXT NOT NULL, "
    "batches TEXT NOT NULL, PRIMARY KEY (mapping_uuid, shard_id)) WITHOUT ROWID",
)


def _todays_file(path: Path, version: int) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        for statement in TODAYS_DDL:
            conn.execute(statement)
        conn.execute("INSERT INTO stream_checkpoints VALUES ('uuid-1', 'shard-0', '49001', 1.0)")
        conn.execute("INSERT INTO stream_mappings VALUES ('uuid-1', 1.0)")
        conn.execute(
            "INSERT INTO stream_retries VALUES (?, ?, ?)",
            ("uuid-1", "shard-0", '[["1", "2", 3, 2, null]]'),
        )
        conn.execute(f"PRAGMA user_version={version}")
    conn.close()


def _version_and_tables(path: Path) -> tuple[int, set[str]]:
    conn = sqlite3.connect(path)
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    finally:
        conn.close()
    return version, {name for (name,) in rows}


@pytest.mark.parametrize("version", [0, 1], ids=["unversioned", "version-1"])
def test_a_file_from_todays_code_migrates_and_keeps_its_checkpoints(
    tmp_path: Path, version: int
) -> None:
    """A data_dir written before the seam opens at the new version with its data intact."""
    path = tmp_path / "state.sqlite3"
    _todays_file(path, version)
    store = SqliteCheckpointStore(path)
    loaded = store.load("uuid-1")
    store.close()
    assert loaded.started
    assert dict(loaded.positions) == {"shard-0": "49001"}
    assert [(s.first, s.last, s.invocations, s.retries) for s in loaded.retrying["shard-0"]] == [
        ("1", "2", 3, 2)
    ]
    found, tables = _version_and_tables(path)
    assert found == STATE_SCHEMA_VERSION
    assert {"leases", "registered_mappings", "stream_checkpoints"} <= tables


def test_a_new_file_gets_the_current_version(tmp_path: Path) -> None:
    """A fresh data_dir's state file has every table and the current version."""
    path = tmp_path / "state.sqlite3"
    open_state_file(path).close()
    found, tables = _version_and_tables(path)
    assert found == STATE_SCHEMA_VERSION
    assert {"engine", "mapping_status", "stream_retries", "leases", "registered_mappings"} <= tables


def test_reopening_a_current_file_changes_nothing(tmp_path: Path) -> None:
    """Opening an up-to-date file twice migrates nothing (the data stays)."""
    path = tmp_path / "state.sqlite3"
    store = SqliteCheckpointStore(path)
    store.save("uuid-1", {"shard-0": "7"})
    store.close()
    reopened = SqliteCheckpointStore(path)
    assert dict(reopened.load("uuid-1").positions) == {"shard-0": "7"}
    reopened.close()


def test_a_file_from_a_newer_headrace_is_refused_untouched(tmp_path: Path) -> None:
    """A newer schema is refused with both versions and the file named; nothing changes."""
    path = tmp_path / "state.sqlite3"
    _todays_file(path, STATE_SCHEMA_VERSION + 3)
    before = path.read_bytes()
    with pytest.raises(StateSchemaTooNew) as caught:
        SqliteStatusStore(path)
    error = caught.value
    assert isinstance(error, BrokerError)  # `status` and `run` report it as before
    assert (error.path, error.found, error.known) == (
        str(path),
        STATE_SCHEMA_VERSION + 3,
        STATE_SCHEMA_VERSION,
    )
    assert str(path) in str(error)
    assert f"version {STATE_SCHEMA_VERSION + 3}" in str(error)
    assert path.read_bytes() == before
    assert _version_and_tables(path)[1] == {
        "engine",
        "mapping_status",
        "stream_checkpoints",
        "stream_mappings",
        "stream_retries",
    }
