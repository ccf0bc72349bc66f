"""The two locks of a data_dir: opening its SQLite files, and one engine at a time.

``init.lock``: every process holds an exclusive ``flock`` on it while it opens one of the
data_dir's SQLite files (creating the file, switching it to WAL, creating or checking its
schema). These steps must not run in two processes or threads at once: on a new file SQLite
fails ``PRAGMA journal_mode=WAL`` with "database is locked" at once, without calling its busy
handler, when another connection is opening the same file. Holding the lock takes
milliseconds; later reads and writes do not take it (SQLite's own locks serialise them).
The file also lists, one name a line, the SQLite files headrace made or opened in data_dir
(:class:`KnownFiles`): such a file found empty was truncated; an empty file it never knew
was only created by someone's bare ``sqlite3.connect`` and is safe to start anew.

``engine.lock``: ``headrace run`` holds an exclusive ``flock`` on it for its whole life and
writes its pid into it (:class:`EngineLock`). The kernel drops the lock when the process
dies, however it dies, so a killed engine never blocks the next one, and no check-then-act
race is left: whoever holds the lock owns the data_dir's wake-up socket too.

Both files stay in data_dir (deleting a lock file that others may have open would let two
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

from headrace.errors import BrokerError, DataDirInUse

# The lock held while a SQLite file of the data_dir is opened (see the module docstring).
INIT_LOCK_NAME = "init.lock"
# The lock `headrace run` holds for its life; it holds the engine's pid.
ENGINE_LOCK_NAME = "engine.lock"
# First and longest pause between two tries of a busy lock: short enough that an opener
# waits about as long as the holder needs (a few ms), long enough not to spin a CPU.
LOCK_RETRY_FIRST_S = 0.001
LOCK_RETRY_MAX_S = 0.01
# How long a second engine waits for the first one's pid to appear in engine.lock (the
# holder writes it right after taking the lock).
PID_READ_TIMEOUT_S = 1.0


class KnownFiles:
    """The SQLite files of a data_dir that headrace made or opened, as ``init.lock`` lists
    them; only used while the init lock is held (see :func:`initialising`)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def __contains__(self, name: str) -> bool:
        return name in self._names()

    def add(self, name: str) -> None:
        """Remember ``name`` (once)."""
        if name not in self._names():
            os.lseek(self._fd, 0, os.SEEK_END)
            os.write(self._fd, f"{name}\n".encode())

    def _names(self) -> set[str]:
        size = os.fstat(self._fd).st_size
        return set(os.pread(self._fd, size, 0).decode("utf-8", "replace").split())


@contextlib.contextmanager
def initialising(data_dir: Path, timeout: float) -> Iterator[KnownFiles]:
    """Hold the data_dir's ``init.lock`` (creating data_dir if needed) for the body, which
    gets the files headrace knows there.

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
        yield KnownFiles(fd)
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


class EngineLock:
    """`headrace run`'s claim on a data_dir: an exclusive ``flock`` on ``engine.lock``.

    :meth:`acquire` raises :class:`~headrace.errors.DataDirInUse` naming the data_dir and
    the holder's pid when another process (or another EngineLock in this one) holds it, and
    :class:`~headrace.errors.BrokerError` when the file cannot be created. The lock lasts
    until :meth:`release` or the process's death.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / ENGINE_LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock and write this process's pid into the file."""
        fd = _open_lock_file(self.data_dir, ENGINE_LOCK_NAME)
        if not _try_lock(fd):
            os.close(fd)
            pid = _holder_pid(self.path)
            who = f"pid {pid}" if pid is not None else "pid unknown"
            raise DataDirInUse(
                f"data_dir {self.data_dir} is in use by another `headrace run` ({who}); "
                "stop it first, or give this config another data_dir",
                data_dir=str(self.data_dir),
                pid=pid,
            )
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Give the lock up (the pid is cleared first). Safe to call twice."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)
        self._fd = None


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


def _holder_pid(path: Path) -> int | None:
    """The pid in ``path``; waits a moment for a holder that has not written it yet."""
    for _ in attempts(PID_READ_TIMEOUT_S):
        with contextlib.suppress(OSError, ValueError):
            return int(path.read_text().strip())
    return None
