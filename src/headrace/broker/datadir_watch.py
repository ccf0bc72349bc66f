"""A running engine's watch over its data_dir: stop, rather than run on files nobody sees.

An engine keeps its SQLite files open. If data_dir is deleted (or moved, or replaced) while
it runs, it would go on with files that exist nowhere else: `send` would create a new
data_dir the engine never reads, and `status` would say no engine runs. If a file is cut to
0 bytes, its queues would look empty. So every :data:`DATA_DIR_CHECK_S` of the engine's
clock, :func:`watching` compares data_dir, its engine lock and its SQLite files with what
they were (device and inode, and a size at least a SQLite header); on a difference it stops
the engine gracefully (in-flight batches finish as far as they can) and raises
:class:`~headrace.errors.DataDirChanged`, whose one-line message says what happened.

A check is a handful of ``stat`` calls, run on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from headrace.broker.datadir import ENGINE_LOCK_NAME
from headrace.broker.sqlite_open import SQLITE_HEADER_BYTES
from headrace.clock import Clock
from headrace.errors import DataDirChanged
from headrace.owned_tasks import cancel_and_wait

log = logging.getLogger("headrace")

# How often (engine clock) data_dir is checked: a change stops the engine within a few
# seconds, and an idle engine costs a few stat calls per check.
DATA_DIR_CHECK_S = 2.0
# The engine's SQLite files: broker.sqlite3, streams.sqlite3, state.sqlite3.
SQLITE_GLOB = "*.sqlite3"


class DataDirWatch:
    """What data_dir, its engine lock and its SQLite files were; what changed since."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._known: dict[Path, tuple[int, int]] = {}  # path -> (device, inode)

    def snapshot(self) -> None:
        """Remember data_dir and the files in it now (files that appear later are adopted
        by :meth:`problem`)."""
        for path in (self.data_dir, self.data_dir / ENGINE_LOCK_NAME):
            with contextlib.suppress(FileNotFoundError):
                self._known[path] = _identity(os.stat(path))
        self._adopt_new_files()

    def problem(self) -> str | None:
        """What changed since the snapshot, as one line; None while nothing did."""
        for path, identity in self._known.items():
            label = f"data_dir {path}" if path == self.data_dir else str(path)
            found = _problem_of(path, label, identity)
            if found is not None:
                return found
        self._adopt_new_files()
        return None

    def _adopt_new_files(self) -> None:
        with contextlib.suppress(OSError):
            for path in self.data_dir.glob(SQLITE_GLOB):
                if path not in self._known:
                    with contextlib.suppress(FileNotFoundError):
                        self._known[path] = _identity(os.stat(path))


@contextlib.asynccontextmanager
async def watching(data_dir: Path, clock: Clock, stop: Callable[[], None]) -> AsyncIterator[None]:
    """Watch ``data_dir`` while the body runs; on a change call ``stop`` (a graceful stop).

    Once the body is done (or failed: a failure caused by the change is replaced), raises
    :class:`~headrace.errors.DataDirChanged` if a change was found.
    """
    watch = DataDirWatch(data_dir)
    watch.snapshot()
    found: list[str] = []
    task = asyncio.create_task(_watch(watch, clock, stop, found), name="data_dir watch")
    try:
        yield
    finally:
        await cancel_and_wait([task])
        if found:
            raise DataDirChanged(found[0])


async def _watch(
    watch: DataDirWatch, clock: Clock, stop: Callable[[], None], found: list[str]
) -> None:
    while True:
        await clock.sleep(DATA_DIR_CHECK_S)
        problem = watch.problem()
        if problem is not None:
            log.error("%s; stopping, in-flight batches finish first", problem)
            found.append(problem)
            stop()
            return


def _identity(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_dev, stat.st_ino


def _problem_of(path: Path, label: str, identity: tuple[int, int]) -> str | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return f"{label} was deleted while this engine was using it"
    if _identity(stat) != identity:
        return f"{label} was replaced while this engine was using it"
    if path.suffix == ".sqlite3" and stat.st_size < SQLITE_HEADER_BYTES:
        return (
            f"{path} was truncated to {stat.st_size} bytes while this engine was using it: "
            "what it held is gone"
        )
    return None
