"""End to end: storage that cannot be used is one line naming the cause, never a traceback.

A data_dir that is a file is bad input (exit 2); a corrupt database, a full disk or a
read-only folder is a runtime failure (exit 1).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_failures import EXIT_BAD_INPUT, EXIT_RUNTIME, configure_resources, one_line, run_cli
from e2e_project import Project

pytestmark = pytest.mark.e2e

# One command per way into the storage: queue broker, status store, streams and tables, run.
COMMANDS = {
    "send": ("send", "orders", "x"),
    "status": ("status",),
    "dlq": ("dlq", "orders"),
    "put": ("put", "clicks", "x", "--partition-key", "k"),
    "table": ("table", "get", "users", '{"id": "a"}'),
    "run": ("run", "--until-drained", "--port", "0"),
}
# Which file each command opens first (a corrupt one must stop it).
OPENS = {
    "send": "broker",
    "status": "state",
    "dlq": "broker",
    "put": "streams",
    "table": "streams",
    "run": "broker",
}
# A body larger than any file the full-disk test lets the CLI grow.
BIG_BODY = b"x" * 200_000 + b"\n"


def fill(project: Project) -> None:
    for args in (COMMANDS["send"], COMMANDS["put"], ("table", "put", "users", '{"id": "a"}')):
        project.ok(*args)
    project.ok("status")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_data_dir_that_is_a_file_is_bad_input(project: Project, command: str) -> None:
    """data_dir names a file: exit 2, naming data_dir."""
    data_dir = configure_resources(project)
    data_dir.write_text("not a folder")
    one_line(run_cli(project, COMMANDS[command]), EXIT_BAD_INPUT, "data_dir", "is not a folder")


@pytest.mark.parametrize(
    ("damage", "command"),
    [("garbage", command) for command in COMMANDS]
    + [("torn", command) for command in ("send", "status", "put")],
)
def test_a_corrupt_database_is_a_runtime_failure(
    project: Project, command: str, damage: str
) -> None:
    """A database file overwritten with garbage (or torn after its header): exit 1, naming it."""
    data_dir = configure_resources(project)
    fill(project)
    path = data_dir / f"{OPENS[command]}.sqlite3"
    for leftover in data_dir.glob(f"{path.name}-*"):
        leftover.unlink()
    data = bytearray(path.read_bytes())
    keep = 0 if damage == "garbage" else 4096
    data[keep:] = (b"\x5a" * len(data))[: len(data) - keep]
    path.write_bytes(bytes(data))
    one_line(run_cli(project, COMMANDS[command]), EXIT_RUNTIME, str(path))


def limit_file_size(limit: int) -> Callable[[], None]:
    """In the child: files may not grow past ``limit`` bytes, as on a full disk."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("command", ["send", "status", "put"])
def test_a_full_disk_is_a_runtime_failure(project: Project, command: str) -> None:
    """Writes that fail for lack of space: exit 1 naming the file (RLIMIT_FSIZE as the disk)."""
    data_dir = configure_resources(project)
    fill(project)
    shutil.rmtree(data_dir)  # new files cannot grow at all under the limit
    args = {"send": ("send", "orders", "-"), "put": ("put", "clicks", "-", "--partition-key", "k")}
    done = run_cli(
        project, args.get(command, COMMANDS[command]), stdin=BIG_BODY, preexec=limit_file_size(0)
    )
    one_line(done, EXIT_RUNTIME, str(data_dir))


def test_a_send_that_fills_the_disk_keeps_what_was_stored(project: Project) -> None:
    """A write that runs out of space fails whole (exit 1); earlier messages are intact."""
    configure_resources(project)
    fill(project)
    done = run_cli(
        project, ("send", "orders", "-"), stdin=BIG_BODY, preexec=limit_file_size(40_000)
    )
    one_line(done, EXIT_RUNTIME, "broker.sqlite3")
    assert project.bodies("orders") == ["x"]


def read_only(path: Path) -> list[str]:
    """A command prefix running the CLI with ``path`` mounted read-only (private mounts)."""
    script = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"'
    prefix = ["unshare", "--mount", "sh", "-c", script, str(path)]
    probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)
    if shutil.which("unshare") is None or probe.returncode != 0:
        pytest.skip(f"a private read-only mount needs root and unshare: {probe.stderr!r}")
    return prefix


@pytest.mark.parametrize("command", ["send", "status", "put", "run"])
def test_a_read_only_data_dir_is_a_runtime_failure(project: Project, command: str) -> None:
    """data_dir on a read-only mount: exit 1, naming the file that cannot be opened."""
    data_dir = configure_resources(project)
    fill(project)
    prefix = read_only(data_dir)
    one_line(run_cli(project, COMMANDS[command], prefix=prefix), EXIT_RUNTIME, str(data_dir))


def test_a_data_dir_under_a_read_only_mount_is_a_runtime_failure(project: Project) -> None:
    """A data_dir that cannot be created (its parent is read-only): exit 1, naming it."""
    data_dir = configure_resources(project)
    data_dir.mkdir()
    text = project.config_path.read_text().replace("data_dir: .headrace", "data_dir: .headrace/sub")
    project.config_path.write_text(text)
    prefix = read_only(data_dir)
    done = run_cli(project, COMMANDS["send"], prefix=prefix)
    one_line(done, EXIT_RUNTIME, str(data_dir / "sub"), os.strerror(30))
