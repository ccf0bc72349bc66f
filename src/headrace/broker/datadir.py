"""The lock of a data_dir's SQLite files: whoever opens one holds it for a moment.

``init.lock``: every process holds an exclusive ``flock`` on it while it opens one of the
data_dir's SQLite files (creating the file, switching it to WAL, creating or checking its
schema). These steps must not run in two processes or threads at once: on a new file SQLite
fails ``PRAGMA journal_mode=WAL`` with "database is locked" at once, without calling its busy
handler, when another connection is opening the same file. Holding the lock takes
milliseconds; later reads and writes do not take it (SQLite's own locks serialise them).

The file stays in data_dir (deleting a lock file that others may have open would let two
processes hold "the" lock at once). ``flock`` locks belong to an open file, so two threads
of one process that each open the lock file exclude each other as two processes do.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from headrace.errors import BrokerError

# The lock held while a SQLite file of the data_dir is opened (see the module docstring).
INIT_LOCK_NAME = "init.lock"
# First and longest pause between two tries of a busy lock: short enough that an opener
# waits about as long as the holder needs (a few ms), long enough not to spin a CPU.
LOCK_RETRY_FIRST_S = 0.001
LOCK_RETRY_MAX_S = 0.01


@contextlib.contextmanager
def initialising(data_dir: Path, timeout: float) -> Iterator[None]:
    """Hold the data_dir's ``init.lock`` (creating data_dir if needed) for the body.

    Waits up to ``timeout`` seconds for another opener, then raises
    :class:`~headrace.errors.BrokerError`; also raises it if the folder or the lock file
    cannot be created.
    """
    fd = _open_lock_file(data_dir, INIT_LOCK_NAME)
    try:
        if not any(_try_lock(fd) for _ in attempts(timeout)):
            raise BrokerError(
                f"{data_dir / INIT_LOCK_NAME} stayed locked for {timeout:g} s: another "
                "process is stuck opening this data_dir"
            )
        yield
    finally:
        os.close(fd)  # releases the lock


def attempts(timeout: float) -> Iterator[None]:
    """Yield at once, then again after growing pauses, until ``timeout`` seconds are up.

    For retrying what has no way to wait by itself (a non-blocking ``flock``, a SQLite step
    that does not call the busy handler); the caller stops iterating once it succeeds.
    """
    deadline = time.monotonic() + timeout
    delay = LOCK_RETRY_FIRST_S
    yield
    while time.monotonic() < deadline:
        time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
        delay = min(delay * 2, LOCK_RETRY_MAX_S)
        yield


def _open_lock_file(data_dir: Path, name: str) -> int:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        return os.open(data_dir / name, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise BrokerError(f"cannot use the data_dir {data_dir}: {exc}") from exc


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
