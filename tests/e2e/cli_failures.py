"""Helpers of the end-to-end tests of failures: raw CLI runs and the one-line check.

design.md: exit 2 for bad input, 1 for a runtime failure; an error is one line
``headrace: ...`` naming the cause, never a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from e2e_project import CLI_TIMEOUT, Project, function

EXIT_RUNTIME, EXIT_BAD_INPUT = 1, 2
TABLE = {
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
}


def configure_resources(project: Project) -> Path:
    """A queue ``orders``, a stream ``clicks``, a table ``users``, no mappings; the data_dir."""
    project.configure(
        queues={"orders": {}},
        functions={"fn": function()},
        mappings=[],
        streams={"clicks": {"ShardCount": 1}},
        tables={"users": TABLE},
    )
    return project.root / ".headrace"


def run_cli(
    project: Project,
    args: Sequence[str],
    *,
    stdin: bytes = b"",
    prefix: Sequence[str] = (),
    preexec: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``[PREFIX] python -m headrace ARGS`` with bytes on stdin; arguments may hold any bytes
    (``os.fsdecode`` them). ``preexec`` runs in the child before it starts (limits).

    A limited child runs without coverage measurement: coverage's own data file would meet
    the same limit (a full disk, say) and print its traceback at exit, which is not
    headrace's output.
    """
    env = dict(os.environ)
    if preexec is not None:
        env.pop("COVERAGE_PROCESS_START", None)
    done = subprocess.run(
        [*prefix, sys.executable, "-m", "headrace", *args],
        cwd=project.root,
        input=stdin,
        capture_output=True,
        timeout=CLI_TIMEOUT,
        check=False,
        preexec_fn=preexec,
        env=env,
    )
    stdout, stderr = done.stdout.decode(), done.stderr.decode(errors="replace")
    return subprocess.CompletedProcess(done.args, done.returncode, stdout, stderr)


def one_line(done: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    """Assert exit ``code`` and a single ``headrace: ...`` line holding ``words``."""
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("headrace: "), lines
    for word in words:
        assert word in lines[0], lines
    return lines[0]
