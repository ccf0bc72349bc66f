"""Issue 8, item 7, through the CLI: a truncated broker file is refused, never silently
recreated empty."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from e2e_project import Project, function, mapping, queue

pytestmark = pytest.mark.e2e

# Bound on a command that must end by itself.
EXIT_TIMEOUT = 30


def last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def configure(project: Project, data_dir: str = ".headrace") -> Path:
    """One queue and a mapping to a handler that succeeds; the data_dir's absolute path."""
    project.configure(
        queues={"orders": queue()},
        functions={"fn": function()},
        mappings=[mapping("fn", "orders")],
        data_dir=data_dir,
    )
    return project.root / data_dir


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
