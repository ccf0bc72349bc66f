"""Opening a data_dir's SQLite file: created whole under a temporary name, leftovers discarded."""

from __future__ import annotations

from pathlib import Path

from headrace.broker.sqlite_open import open_shared

# Seconds open_shared may wait for a lock (nobody holds one here).
TIMEOUT_S = 5.0


def test_a_new_file_is_never_seen_empty(tmp_path: Path) -> None:
    """A file is created whole (header written) under a temporary name, then linked in: the
    real name never shows a 0-byte file, and nothing temporary is left."""
    open_shared(tmp_path / "new.sqlite3", TIMEOUT_S).close()
    assert (tmp_path / "new.sqlite3").stat().st_size >= 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.sqlite3"]


def test_leftovers_of_a_crashed_creation_are_not_replayed(tmp_path: Path) -> None:
    """A temporary file and WAL left by a process killed mid-creation are discarded."""
    (tmp_path / ".new.sqlite3.new").write_bytes(b"")
    (tmp_path / ".new.sqlite3.new-wal").write_bytes(b"garbage")
    conn = open_shared(tmp_path / "new.sqlite3", TIMEOUT_S)
    assert conn.execute("PRAGMA user_version").fetchone() == (0,)
    conn.close()
    assert not (tmp_path / ".new.sqlite3.new-wal").exists()
