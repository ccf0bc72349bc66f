"""Opening one of a data_dir's SQLite files safely; the caller holds the data_dir's init lock.

- A missing file is created whole: a temporary file beside it is switched to WAL mode (which
  writes its header) and linked into place. So a file under its real name is never shorter
  than a SQLite header unless something truncated it afterwards.
- A file shorter than a header (``truncate -s 0``, a copy that failed) is refused: SQLite
  would take it for a new, empty database, and every queue, record and checkpoint it held
  would silently be gone. Only an empty file headrace never knew (``init.lock`` lists the
  files it made or opened: :class:`~headrace.broker.datadir.KnownFiles`) is started anew:
  a bare ``sqlite3.connect`` by someone else creates one before headrace does.
- ``PRAGMA journal_mode=WAL`` is retried while SQLite says "locked" or "busy": it does not
  call the busy handler for every lock it takes (a connection closing elsewhere checkpoints
  and removes the WAL under an exclusive lock).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from headrace.broker.datadir import KnownFiles, attempts
from headrace.errors import BrokerError

T = TypeVar("T")

# A SQLite database file starts with a 100-byte header; anything shorter was cut.
SQLITE_HEADER_BYTES = 100


def open_shared(path: Path, timeout: float, known: KnownFiles) -> sqlite3.Connection:
    """A WAL-mode connection to ``path`` (created if missing), shared between threads;
    ``known`` is what the held init lock lists, and learns ``path``.

    Raises :class:`~headrace.errors.BrokerError` for a truncated file, and
    ``sqlite3.Error`` when SQLite cannot open it or stays locked for ``timeout`` seconds.
    """
    while True:
        size = _size(path)
        if size == 0 and path.name not in known:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()  # empty and never headrace's: nothing in it to lose
            size = None
        if size is None and not _create(path, timeout):
            continue  # someone else's bare connect made the file meanwhile: look again
        if size is not None and size < SQLITE_HEADER_BYTES:
            raise BrokerError(truncated_message(path, size))
        known.add(path.name)
        return _retry_while_locked(path, timeout)


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def truncated_message(path: Path, size: int) -> str:
    """What to tell the user about a file cut shorter than a SQLite header."""
    return (
        f"{path} is {size} bytes, shorter than a SQLite header: it was truncated and what "
        "it held is gone; restore it from a backup, or delete it to start empty"
    )


def _create(path: Path, timeout: float) -> bool:
    """Create ``path`` whole; False when a file appeared under its name meanwhile (a process
    outside headrace, which the init lock does not hold back, made it)."""
    temp = path.with_name(f".{path.name}.new")
    for leftover in (temp, Path(f"{temp}-wal"), Path(f"{temp}-shm")):
        # A crash mid-creation may leave these; a stale WAL must not be replayed.
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    _retry_while_locked(temp, timeout).close()
    try:
        os.link(temp, path)  # never replaces a file
    except FileExistsError:
        return False
    finally:
        temp.unlink()
    return True


def _retry_while_locked(path: Path, timeout: float) -> sqlite3.Connection:
    error: sqlite3.OperationalError | None = None
    for _ in attempts(timeout):
        try:
            return _connect(path, timeout)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            error = exc
    assert error is not None
    raise error


def _connect(path: Path, timeout: float) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn


def read_if_present(
    path: Path, table: str, load: Callable[[sqlite3.Connection], T], missing: T
) -> T:
    """``load`` over a read-only connection to ``path``, or ``missing`` if the file or its
    ``table`` does not exist. Reads only: the file may be a running broker's, mid-write (WAL
    readers wait for nothing)."""
    if not path.exists():
        return missing
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        return load(conn) if found is not None else missing
    finally:
        conn.close()
