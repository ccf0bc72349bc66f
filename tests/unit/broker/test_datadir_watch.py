"""A running engine's watch over its data_dir (fake clock): a deleted, replaced or truncated
data_dir or file stops the engine with DataDirChanged; an unchanged one never does."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.cancel_turns import cancel_on_turn

from headrace.broker.datadir import ENGINE_LOCK_NAME
from headrace.broker.datadir_watch import DATA_DIR_CHECK_S, DataDirWatch, watching
from headrace.clock import FakeClock
from headrace.errors import DataDirChanged

# More loop turns than the watch takes to wind down once the body ended.
TURNS = 8
# A valid-looking SQLite file: the watch only looks at identity and size.
HEADER = b"SQLite format 3\x00" + bytes(84)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "dd"
    path.mkdir()
    (path / ENGINE_LOCK_NAME).write_text("1\n")
    (path / "broker.sqlite3").write_bytes(HEADER)
    return path


async def tick(clock: FakeClock) -> None:
    """Let the watch reach its sleep, move the clock one check interval, let it check."""
    await asyncio.sleep(0)
    clock.advance(DATA_DIR_CHECK_S)
    for _ in range(5):
        await asyncio.sleep(0)


async def run_watched(data_dir: Path, clock: FakeClock, change: Callable[[], object]) -> str:
    """Watch ``data_dir``, apply ``change``, tick: the engine is stopped, and the message."""
    stops: list[str] = []

    async def engine() -> None:
        async with watching(data_dir, clock, lambda: stops.append("stop")):
            change()
            await tick(clock)

    with pytest.raises(DataDirChanged) as changed:
        await engine()
    assert stops == ["stop"]
    return str(changed.value)


async def test_an_unchanged_data_dir_is_never_a_problem(data_dir: Path) -> None:
    """Checks that find nothing stop nothing and raise nothing."""
    clock = FakeClock()
    stops: list[str] = []
    async with watching(data_dir, clock, lambda: stops.append("stop")):
        for _ in range(10):
            await tick(clock)
    assert stops == []


async def test_a_deleted_data_dir_stops_the_engine(data_dir: Path) -> None:
    """Item 7: rm -rf data_dir is found at the next check."""
    message = await run_watched(data_dir, FakeClock(), lambda: shutil.rmtree(data_dir))
    assert message == f"data_dir {data_dir} was deleted while this engine was using it"


async def test_a_replaced_file_stops_the_engine(data_dir: Path) -> None:
    """A file swapped for another (same name, another inode) is a change."""

    def replace() -> None:
        (data_dir / "new").write_bytes(HEADER)
        os.replace(data_dir / "new", data_dir / "broker.sqlite3")

    message = await run_watched(data_dir, FakeClock(), replace)
    assert message == f"{data_dir / 'broker.sqlite3'} was replaced while this engine was using it"


async def test_a_deleted_engine_lock_stops_the_engine(data_dir: Path) -> None:
    """Without its lock file a second engine could start: stop this one."""
    message = await run_watched(data_dir, FakeClock(), (data_dir / ENGINE_LOCK_NAME).unlink)
    assert "engine.lock was deleted" in message


async def test_a_truncated_file_stops_the_engine(data_dir: Path) -> None:
    """Item 7: a SQLite file cut below its header is found at the next check."""
    message = await run_watched(
        data_dir, FakeClock(), lambda: os.truncate(data_dir / "broker.sqlite3", 0)
    )
    assert message.startswith(f"{data_dir / 'broker.sqlite3'} was truncated to 0 bytes")


def test_a_file_that_appears_later_is_watched_too(data_dir: Path) -> None:
    """state.sqlite3 created after the snapshot is adopted, then its deletion is found."""
    watch = DataDirWatch(data_dir)
    watch.snapshot()
    (data_dir / "state.sqlite3").write_bytes(HEADER)
    assert watch.problem() is None
    (data_dir / "state.sqlite3").unlink()
    assert (
        watch.problem()
        == f"{data_dir / 'state.sqlite3'} was deleted while this engine was using it"
    )


async def test_a_failure_caused_by_the_change_is_reported_as_the_change(data_dir: Path) -> None:
    """What the engine raised because its files went away is replaced by DataDirChanged."""
    clock = FakeClock()

    async def engine() -> None:
        async with watching(data_dir, clock, lambda: None):
            shutil.rmtree(data_dir)
            await tick(clock)
            raise OSError("disk I/O error")

    with pytest.raises(DataDirChanged, match="was deleted"):
        await engine()


async def test_a_cancel_as_the_watch_winds_down_is_not_swallowed(data_dir: Path) -> None:
    """The engine's task is cancelled on every loop turn after its body ended, including
    the turns where the watch task is being cancelled and awaited: whenever the cancel was
    delivered, the task ends cancelled (it was once taken for the watch's own and dropped)."""

    async def engine(clock: FakeClock, body_done: asyncio.Event) -> None:
        async with watching(data_dir, clock, lambda: None):
            await body_done.wait()

    for turns in range(TURNS):
        body_done = asyncio.Event()
        running = asyncio.create_task(engine(FakeClock(), body_done))
        for _ in range(2):
            await asyncio.sleep(0)  # the body waits, the watch sleeps on the clock
        body_done.set()
        await cancel_on_turn(running, turns)
