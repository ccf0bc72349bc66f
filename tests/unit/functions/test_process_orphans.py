"""If headrace is killed outright, its workers notice and exit: no orphan is left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

# How long the worker may take to appear, and then to disappear after the parent dies.
# Bounds for a loaded CI machine; a healthy run takes a fraction of a second for each.
START_WAIT_SECONDS = 30.0
EXIT_WAIT_SECONDS = 10.0

PARENT = """
import asyncio, json, sys
from pathlib import Path
from headrace.config.model import FunctionConfig
from headrace.functions.process import ProcessFunctionRuntime

async def main():
    config = FunctionConfig(
        name="fn", handler="handlers.hang", code_uri=Path(sys.argv[1]), timeout=300
    )
    runtime = ProcessFunctionRuntime(
        config, concurrency=1, region="us-east-1", account="000000000000"
    )
    async with runtime.reserve() as slot:
        await slot.invoke(json.dumps({"pidfile": sys.argv[2]}).encode())

asyncio.run(main())
"""


def wait_until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_worker_running_a_hanging_handler_exits_when_headrace_is_killed(
    code_dir, tmp_path, process_gone
):
    """design.md: if the main process is killed outright, its worker processes exit."""
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent(PARENT))
    pidfile = tmp_path / "worker.pid"
    parent = subprocess.Popen([sys.executable, str(script), str(code_dir), str(pidfile)])
    worker_pid = None
    try:
        assert wait_until(pidfile.exists, START_WAIT_SECONDS), "the worker never started"
        worker_pid = int(pidfile.read_text())
        assert not process_gone(worker_pid)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        assert wait_until(lambda: process_gone(worker_pid), EXIT_WAIT_SECONDS)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if worker_pid is not None and not process_gone(worker_pid):
            os.kill(worker_pid, signal.SIGKILL)  # do not leave the orphan the test found
