"""docs/testing.md's examples run as written, as a user's own test modules would."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).parents[3] / "docs" / "testing.md"
# pytest as a user's project would run it: async tests in auto mode, no cache files.
PYTEST = (
    sys.executable,
    "-m",
    "pytest",
    "-q",
    "-p",
    "no:cacheprovider",
    "-o",
    "asyncio_mode=auto",
    "-o",
    "asyncio_default_fixture_loop_scope=function",
)


def example(name: str) -> str:
    text = DOC.read_text()
    block = re.search(rf"<!-- testing-example: {name} -->\n```python\n(.*?)```", text, re.DOTALL)
    assert block is not None, f"the {name} example is missing from docs/testing.md"
    return block[1]


def run_as_user_tests(code: str, folder: Path, *options: str) -> str:
    """Run ``code`` as a test module with pytest in a fresh process; its summary line."""
    module = folder / "test_user_example.py"
    module.write_text(code)
    done = subprocess.run(
        [*PYTEST, str(module), "--rootdir", str(folder), *options],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_the_handler_example_passes(tmp_path: Path) -> None:
    assert run_as_user_tests(example("handler"), tmp_path).startswith("1 passed")


@pytest.mark.parametrize("suite", ["TestSendAndReceive", "TestRedrive"])
def test_the_backend_example_runs_the_suite(tmp_path: Path, suite: str) -> None:
    """The example collects the conformance classes; two of them run here (all of them run
    over the in-memory backend in tests/unit/broker)."""
    summary = run_as_user_tests(example("backend"), tmp_path, "-k", suite)
    assert re.match(r"\d+ passed", summary), summary
