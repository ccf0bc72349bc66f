"""A headrace project in a temporary folder, driven through the real CLI as a subprocess.

Each test writes a ``headrace.yaml`` with :func:`queue`, :func:`function` and
:func:`mapping`, gets the handler files of ``tests/e2e/app`` in ``src/``, and reads the
evidence the handlers leave in ``log.jsonl`` (see ``app/handlers.py``), plus what
``dlq --json`` and ``status --json`` print. Nothing waits on a sleep: ``run
--until-drained`` ends a run, and :func:`wait_until` polls a condition with a bound.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

APP = Path(__file__).parent / "app"
REGION = "us-east-1"
ACCOUNT = "000000000000"
# Bound on any one CLI call: a hang fails the test instead of blocking the suite.
CLI_TIMEOUT = 60.0
# Bound on waiting for a condition (a file, a log line, a status value).
WAIT_TIMEOUT = 30.0
# How often wait_until looks again.
POLL_SECONDS = 0.02


def arn(name: str) -> str:
    """The ARN of an embedded queue."""
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def queue(
    *,
    visibility: int = 1,
    dlq: str | None = None,
    max_receives: int = 2,
    fifo: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """A queue's attributes: short visibility so retries come quickly."""
    attrs: dict[str, Any] = {"VisibilityTimeout": visibility, **extra}
    if fifo:
        attrs.update(FifoQueue=True, ContentBasedDeduplication=True)
    if dlq is not None:
        attrs["RedrivePolicy"] = {"deadLetterTargetArn": arn(dlq), "maxReceiveCount": max_receives}
    return attrs


def function(
    handler: str = "handlers.whole",
    *,
    timeout: int = 1,
    concurrency: int = 3,
    variables: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A function over ``src/``; E2E_DIR is filled in by :meth:`Project.configure`."""
    return {
        "Handler": handler,
        "CodeUri": "./src",
        "Timeout": timeout,
        "ReservedConcurrentExecutions": concurrency,
        "Environment": {"Variables": dict(variables or {})},
    }


def mapping(function_name: str, queue_name: str, **fields: Any) -> dict[str, Any]:
    """An event source mapping from an embedded queue to a function."""
    return {"FunctionName": function_name, "EventSourceArn": arn(queue_name), **fields}


def wait_until(condition: Callable[[], Any], what: str, timeout: float = WAIT_TIMEOUT) -> Any:
    """Poll ``condition`` until it returns something truthy; fail naming ``what`` if never."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(POLL_SECONDS)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def process_gone(pid: int) -> bool:
    """True when ``pid`` has exited (a zombie waiting to be reaped counts as exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


class Project:
    """One headrace project folder and the CLI processes started on it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.config_path = root / "headrace.yaml"
        self.log_path = root / "log.jsonl"
        self.release_path = root / "release"
        self._started: list[subprocess.Popen[str]] = []

    def configure(
        self,
        *,
        queues: dict[str, Any],
        functions: dict[str, Any],
        mappings: list[dict[str, Any]],
        **top: Any,
    ) -> None:
        """Write headrace.yaml and copy the handler files into ``src/``."""
        for fn in functions.values():
            fn.setdefault("Environment", {"Variables": {}})
            fn["Environment"]["Variables"]["E2E_DIR"] = str(self.root)
        data = {
            "region": REGION,
            "account": ACCOUNT,
            "data_dir": ".headrace",
            **top,
            "queues": queues,
            "functions": functions,
            "event_source_mappings": mappings,
        }
        self.config_path.write_text(yaml.safe_dump(data, sort_keys=False))
        shutil.copytree(APP, self.root / "src", dirs_exist_ok=True)

    # -- running the CLI -------------------------------------------------------------------

    def cli(
        self,
        *args: str,
        stdin: str | None = None,
        timeout: float = CLI_TIMEOUT,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``python -m headrace ARGS`` in the project folder (or ``cwd``) and wait."""
        return subprocess.run(
            [sys.executable, "-m", "headrace", *args],
            cwd=cwd or self.root,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def ok(self, *args: str, stdin: str | None = None) -> str:
        """Run a CLI command that must exit 0; its stdout."""
        done = self.cli(*args, stdin=stdin)
        assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stderr}"
        return done.stdout

    def send(self, queue_name: str, *bodies: str, group: str | None = None) -> list[str]:
        """Send bodies (one per line through ``send -``); the MessageIds printed."""
        extra = ["--group-id", group] if group is not None else []
        out = self.ok("send", queue_name, "-", *extra, stdin="".join(b + "\n" for b in bodies))
        return out.split()

    def drain(self, timeout: float = CLI_TIMEOUT) -> subprocess.CompletedProcess[str]:
        """``run --until-drained`` that must exit 0."""
        done = self.cli("run", "--until-drained", "--port", "0", timeout=timeout)
        assert done.returncode == 0, f"run --until-drained: exit {done.returncode}\n{done.stderr}"
        return done

    def start(self, *args: str, stdin: int | None = subprocess.DEVNULL) -> subprocess.Popen[str]:
        """Start a CLI command without waiting; it is killed at teardown if still running."""
        n = len(self._started)
        process = subprocess.Popen(
            [sys.executable, "-m", "headrace", *args],
            cwd=self.root,
            stdin=stdin,
            stdout=(self.root / f"cli-{n}.out").open("w"),
            stderr=(self.root / f"cli-{n}.err").open("w"),
            text=True,
        )
        self._started.append(process)
        return process

    def stderr_of(self, process: subprocess.Popen[str]) -> str:
        return (self.root / f"cli-{self._started.index(process)}.err").read_text()

    def close(self) -> None:
        for process in self._started:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)

    # -- evidence ------------------------------------------------------------------------

    def entries(self) -> list[dict[str, Any]]:
        """Every line the handlers logged, in the order they were written."""
        if not self.log_path.exists():
            return []
        lines = self.log_path.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def records(self, outcome: str | None = None) -> list[dict[str, Any]]:
        """Logged records, optionally only those with ``outcome``."""
        found = [e for e in self.entries() if e["event"] == "record"]
        return [e for e in found if outcome is None or e["outcome"] == outcome]

    def processed_bodies(self) -> set[str]:
        """Bodies the handler processed successfully at least once."""
        return {e["body"] for e in self.records("ok")}

    def messages(self, queue_name: str) -> list[dict[str, Any]]:
        """Every message in a queue (visible, in flight or delayed), via ``dlq --json``."""
        return json.loads(self.ok("dlq", queue_name, "--json", "--limit", "100000"))["Messages"]

    def bodies(self, queue_name: str) -> list[str]:
        return sorted(m["Body"] for m in self.messages(queue_name))

    def status(self) -> dict[str, Any]:
        return json.loads(self.ok("status", "--json"))

    def depth(self, queue_name: str) -> dict[str, int]:
        depth: dict[str, int] = self.status()["Queues"][queue_name]
        return depth


def children_of(pid: int) -> set[int]:
    """Live processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
                found.add(int(stat.parent.name))
    return found
