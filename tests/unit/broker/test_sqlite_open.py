"""Opening a data_dir's SQLite file: created whole under a temporary name, leftovers discarded,
an empty file told apart from a truncated one by what init.lock remembers."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from headrace.broker.datadir import INIT_LOCK_NAME, initialising
from headrace.broker.sqlite_open import open_shared
from headrace.errors import BrokerError

# Seconds open_shared may wait for a lock (nobody holds one here).
TIMEOUT_S = 5.0


def open_file(path: Path) -> None:
    """Open ``path`` as headrace does (under the init lock), then close it."""
    with initialising(path.parent, TIMEOUT_S) as known:
        open_shared(path, TIMEOUT_S, known).close()


def test_a_new_file_is_never_seen_empty(tmp_path: Path) -> None:
    """A file is created whole (header written) under a temporary name, then linked in: the
    real name never shows a 0-byte file, and nothing temporary is left."""
    open_file(tmp_path / "new.sqlite3")
    assert (tmp_path / "new.sqlite3").stat().st_size >= 100
    assert sorted(p.name for p in tmp_path.iterdir()) == [INIT_LOCK_NAME, "new.sqlite3"]


def test_leftovers_of_a_crashed_creation_are_not_replayed(tmp_path: Path) -> None:
    """A temporary file and WAL left by a process killed mid-creation are discarded."""
    (tmp_path / ".new.sqlite3.new").write_bytes(b"")
    (tmp_path / ".new.sqlite3.new-wal").write_bytes(b"garbage")
    with initialising(tmp_path, TIMEOUT_S) as known:
        conn = open_shared(tmp_path / "new.sqlite3", TIMEOUT_S, known)
    assert conn.execute("PRAGMA user_version").fetchone() == (0,)
    conn.close()
    assert not (tmp_path / ".new.sqlite3.new-wal").exists()


def test_an_empty_file_headrace_never_knew_is_started_anew(tmp_path: Path) -> None:
    """A bare ``sqlite3.connect`` (a script peeking before headrace ran) leaves a 0-byte file:
    nothing was lost, so it is made a database, not refused as truncated."""
    sqlite3.connect(tmp_path / "state.sqlite3").close()
    assert (tmp_path / "state.sqlite3").stat().st_size == 0
    open_file(tmp_path / "state.sqlite3")
    assert (tmp_path / "state.sqlite3").stat().st_size >= 100


def test_a_file_made_by_someone_else_mid_creation_is_taken_in_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bare ``sqlite3.connect`` outside headrace (not held back by init.lock) can create the
    file between headrace's look and its link: the open looks again and succeeds, and no
    temporary file is left (before, it failed with FileExistsError)."""
    path = tmp_path / "state.sqlite3"
    real_link = os.link

    def link_after_a_bare_connect(source: Path, target: Path) -> None:
        sqlite3.connect(target).close()  # the 0-byte file a peeking script leaves
        monkeypatch.setattr(os, "link", real_link)
        real_link(source, target)

    monkeypatch.setattr(os, "link", link_after_a_bare_connect)
    open_file(path)
    assert path.stat().st_size >= 100
    assert sorted(p.name for p in tmp_path.iterdir()) == [INIT_LOCK_NAME, "state.sqlite3"]


def test_a_file_of_an_older_data_dir_is_adopted_then_guarded(tmp_path: Path) -> None:
    """A file made before init.lock listed files is learnt on its first open; truncated after
    that, it is refused."""
    conn = sqlite3.connect(tmp_path / "broker.sqlite3")
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    open_file(tmp_path / "broker.sqlite3")
    os.truncate(tmp_path / "broker.sqlite3", 0)
    with pytest.raises(BrokerError, match="truncated"):
        open_file(tmp_path / "broker.sqlite3")


def test_a_file_cut_inside_its_header_is_refused_even_if_unknown(tmp_path: Path) -> None:
    """A few bytes are not a database nor an untouched file: refused, never deleted."""
    (tmp_path / "broker.sqlite3").write_bytes(b"SQLite format 3")
    with pytest.raises(BrokerError, match="15 bytes"):
        open_file(tmp_path / "broker.sqlite3")
    assert (tmp_path / "broker.sqlite3").read_bytes() == b"SQLite format 3"
