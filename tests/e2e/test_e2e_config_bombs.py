"""End to end: `headrace validate` refuses a YAML alias bomb quickly, in bounded memory."""

from __future__ import annotations

import resource
import subprocess
import sys
import time

import pytest
from e2e_project import CLI_TIMEOUT, Project, function, queue

pytestmark = pytest.mark.e2e

EXIT_BAD_INPUT = 2
# The bomb must be refused within this much address space (the bug grew past 1 GB) ...
MEMORY_LIMIT_BYTES = 512 * 1024 * 1024
# ... and this many seconds (the interpreter's start included).
BOMB_SECONDS = 20


def alias_bomb(levels: int = 9) -> str:
    """A "billion laughs" value: each level lists the level inside it nine times."""
    value = "&l0 [" + ", ".join(["lol"] * 9) + "]"
    for level in range(1, levels):
        value = f"&l{level} [{value}, " + ", ".join([f"*l{level - 1}"] * 8) + "]"
    return value


def test_validate_refuses_an_alias_bomb_quickly_in_bounded_memory(project: Project) -> None:
    """A 9-level alias bomb under Timeout: exit 2 with one problem, within 512 MB."""
    project.configure(queues={"orders": queue()}, functions={"fn": function()}, mappings=[])
    text = project.config_path.read_text()
    text = text.replace("Timeout: 1", f"Timeout: {alias_bomb()}")
    project.config_path.write_text(text)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "headrace", "validate"],
        cwd=project.root,
        capture_output=True,
        timeout=CLI_TIMEOUT,
        check=False,
        preexec_fn=limit_memory,
    )
    assert time.monotonic() - started < BOMB_SECONDS
    stderr = done.stderr.decode()
    assert done.returncode == EXIT_BAD_INPUT, stderr
    assert "Traceback" not in stderr
    [line] = stderr.splitlines()
    assert line.startswith("headrace.yaml: line ")
    assert "YAML refused: aliases expand to more than 100000 values" in line


def limit_memory() -> None:
    """In the child: at most MEMORY_LIMIT_BYTES of address space."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
