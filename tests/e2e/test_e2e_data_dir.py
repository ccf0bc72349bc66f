"""Issue 8, items 4 and 7, through the CLI: one engine per data_dir, whatever happens to its
wake-up socket or TMPDIR; a data_dir deleted or truncated under a running engine stops it;
a truncated broker file is refused, never silently recreated empty."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_project import Project, function, mapping, queue, wait_until

pytestmark = pytest.mark.e2e

# Bound on a command that must end by itself (a refused second engine, a stopping one).
EXIT_TIMEOUT = 30
# A data_dir whose wake.sock path is far longer than a unix socket path may be (~100 bytes).
LONG_DATA_DIR = "d" * 60 + "/" + "e" * 60
# Shorter than the idle long poll (20 s) a lane falls back to without a wake-up.
WAKE_BOUND_S = 10.0


def configure(project: Project, data_dir: str = ".headrace") -> Path:
    """One queue and a mapping to a handler that succeeds; the data_dir's absolute path."""
    project.configure(
        queues={"orders": queue()},
        functions={"fn": function()},
        mappings=[mapping("fn", "orders")],
        data_dir=data_dir,
    )
    return project.root / data_dir


@pytest.fixture
def own_runs() -> Iterator[list[subprocess.Popen[str]]]:
    """Runs a test starts itself (with their own TMPDIR); those still running at the end
    are killed, as Project kills its own."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=EXIT_TIMEOUT)


def start_engine(project: Project) -> subprocess.Popen[str]:
    """`run --port 0`, returned once it is fully up (see :func:`up`)."""
    return up(project, project.start("run", "--port", "0"))


def up(project: Project, process: subprocess.Popen[str]) -> subprocess.Popen[str]:
    """``process``, once it has processed a message: its engine is fully up."""
    project.send("orders", "ok:up")
    wait_until(lambda: "ok:up" in project.processed_bodies(), "the engine to be up")
    return process


def start_with_tmpdir(
    project: Project, tmpdir: Path, name: str, own_runs: list[subprocess.Popen[str]]
) -> subprocess.Popen[str]:
    """`run --port 0` with its own TMPDIR (kept in ``own_runs``); stderr in ``<name>.err``."""
    tmpdir.mkdir(exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "headrace", "run", "--port", "0"],
        cwd=project.root,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=(project.root / f"{name}.err").open("w"),
        env=dict(os.environ, TMPDIR=str(tmpdir)),
        text=True,
    )
    own_runs.append(process)
    return process


def last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def refused_second_run(project: Project, data_dir: Path, first: subprocess.Popen[str]) -> None:
    """A second `run` exits 1 at once with one line naming the data_dir and the first's pid."""
    done = project.cli("run", "--port", "0", timeout=EXIT_TIMEOUT)
    assert done.returncode == 1, done.stderr
    assert last_line(done.stderr) == (
        f"headrace: data_dir {data_dir} is in use by another `headrace run` "
        f"(pid {first.pid}); stop it first, or give this config another data_dir"
    )


def test_a_second_run_on_the_same_data_dir_exits_1_naming_the_first(project: Project) -> None:
    """docs/broker.md: one engine per data_dir; the second is told which process has it."""
    data_dir = configure(project)
    first = start_engine(project)
    refused_second_run(project, data_dir, first)
    assert first.poll() is None


def test_deleting_wake_sock_does_not_let_a_second_run_start(project: Project) -> None:
    """The engine lock, not the socket file, decides: without wake.sock the second run is
    still refused (it used to start, and streams were then processed twice)."""
    data_dir = configure(project)
    first = start_engine(project)
    (data_dir / "wake.sock").unlink()
    refused_second_run(project, data_dir, first)


def test_runs_with_other_tmpdirs_on_a_long_data_dir_conflict(
    project: Project, own_runs: list[subprocess.Popen[str]]
) -> None:
    """A long data_dir's socket used to live in $TMPDIR: with another TMPDIR a second engine
    started beside the first. The socket stays in data_dir now, and the lock decides."""
    data_dir = configure(project, LONG_DATA_DIR)
    first = up(project, start_with_tmpdir(project, project.root / "tmp-a", "first", own_runs))
    second = start_with_tmpdir(project, project.root / "tmp-b", "second", own_runs)
    assert second.wait(timeout=EXIT_TIMEOUT) == 1
    assert f"(pid {first.pid})" in last_line((project.root / "second.err").read_text())
    assert (data_dir / "wake.sock").exists()


def test_a_send_wakes_an_engine_on_a_long_data_dir(project: Project) -> None:
    """`send` from another process reaches the engine's socket inside a long data_dir: the
    message is processed at once, not after the lane's idle long poll."""
    configure(project, LONG_DATA_DIR)
    start_engine(project)
    project.send("orders", "ok:woken")
    wait_until(lambda: "ok:woken" in project.processed_bodies(), "the wake-up", WAKE_BOUND_S)


def test_deleting_data_dir_under_a_running_engine_stops_it(project: Project) -> None:
    """Item 7: a deleted data_dir stops the engine with one line saying so (exit 1), instead
    of running on files nobody else sees while sends go to a new data_dir."""
    data_dir = configure(project)
    engine = start_engine(project)
    shutil.rmtree(data_dir)
    assert engine.wait(timeout=EXIT_TIMEOUT) == 1
    assert last_line(project.stderr_of(engine)) == (
        f"headrace: data_dir {data_dir} was deleted while this engine was using it"
    )


def test_truncating_the_broker_file_under_a_running_engine_stops_it(project: Project) -> None:
    """Item 7: broker.sqlite3 cut to 0 bytes under the engine stops it with one line."""
    data_dir = configure(project)
    engine = start_engine(project)
    os.truncate(data_dir / "broker.sqlite3", 0)
    assert engine.wait(timeout=EXIT_TIMEOUT) == 1
    assert last_line(project.stderr_of(engine)).startswith(
        f"headrace: {data_dir / 'broker.sqlite3'} was truncated to 0 bytes while this engine "
        "was using it"
    )


def test_a_truncated_broker_file_is_refused_not_recreated(project: Project) -> None:
    """Item 7: `send` and `run` refuse a broker file cut to 0 bytes (exit 1, one line) and
    leave it as it is, instead of silently starting over with empty queues."""
    data_dir = configure(project)
    project.send("orders", "ok:kept")
    os.truncate(data_dir / "broker.sqlite3", 0)
    for args in (("send", "orders", "ok:more"), ("run", "--port", "0", "--until-drained")):
        done = project.cli(*args, timeout=EXIT_TIMEOUT)
        assert done.returncode == 1, done.stderr
        assert last_line(done.stderr) == (
            f"headrace: {data_dir / 'broker.sqlite3'} is 0 bytes, shorter than a SQLite "
            "header: it was truncated and what it held is gone; restore it from a backup, "
            "or delete it to start empty"
        )
    assert (data_dir / "broker.sqlite3").stat().st_size == 0
