"""Shared pieces of the bench cases: payloads, process-tree measurement, results.

Every case runs in its own process (``python -m bench.cases.NAME``), starts what it
measures as child processes, and prints one JSON object on its last stdout line: the rows
it measured. :mod:`bench.run` collects them and writes ``bench/RESULTS.md``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
HANDLERS = BENCH / "handlers"
PYTHON = sys.executable
# The bench venv's console scripts (headrace, celery, dramatiq) sit beside its python.
BIN = Path(PYTHON).parent

# How often the process-tree sampler reads CPU and RSS: fine enough to catch the peak of
# a drain lasting seconds, coarse enough to cost well under 1 % of a core.
SAMPLE_SECONDS = 0.1
# How often a drain's progress (messages left) is read. Each read is a count query on the
# system under test, so it is kept coarse; rates use the exact counts at both ends.
PROGRESS_SECONDS = 0.05


def payload(i: int) -> str:
    """A ~200-byte JSON order: the same shape and size for every system benched."""
    return json.dumps(
        {
            "order_id": f"ord-{i:09d}",
            "customer": f"cust-{i % 9973:05d}",
            "items": [
                {"sku": f"sku-{(i * 7) % 1000:04d}", "qty": 1 + i % 3, "price": 19.99},
                {"sku": f"sku-{(i * 13) % 1000:04d}", "qty": 1, "price": 5.25},
            ],
            "total": 45.23,
            "currency": "EUR",
            "note": "bench",
        },
        separators=(",", ":"),
    )


@dataclass
class Row:
    """One measured line of a results table."""

    case: str
    system: str
    values: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def emit(rows: Sequence[Row]) -> None:
    """Print the case's rows as the last stdout line (bench.run reads it)."""
    sys.stdout.flush()
    print(json.dumps([r.as_json() for r in rows]), flush=True)


def log(message: str) -> None:
    """Progress for the person watching ``make bench`` (stderr, not the results)."""
    print(f"  {message}", file=sys.stderr, flush=True)


class TreeSampler:
    """Samples the summed RSS of a process and its descendants until stopped.

    CPU seconds are not sampled (processes that exit between samples would be missed):
    :func:`cpu_of` reads them from ``wait4`` once the tree has exited.
    """

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_rss = 0
        self.samples: list[tuple[float, int, float]] = []  # (monotonic, rss, cpu seconds)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            rss, cpu = tree_usage(self.pid)
            self.peak_rss = max(self.peak_rss, rss)
            self.samples.append((time.monotonic(), rss, cpu))
            self._stop.wait(self.interval)


def tree_usage(pid: int) -> tuple[int, float]:
    """(summed RSS bytes, summed CPU seconds) of a live process tree; (0, 0) if gone."""
    import psutil  # the bench venv's: imported here so the pure helpers load in the dev venv

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0, 0.0
    rss, cpu = 0, 0.0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            rss += proc.memory_info().rss
            times = proc.cpu_times()
            cpu += times.user + times.system + times.children_user + times.children_system
    return rss, cpu


def start(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    quiet: bool = True,
) -> subprocess.Popen[bytes]:
    """Start a process in its own process group (so :func:`stop` reaches its children)."""
    out = subprocess.DEVNULL if quiet else None
    return subprocess.Popen(
        list(argv),
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=out,
        stderr=out,
        start_new_session=True,
    )


def wait_cpu(proc: subprocess.Popen[bytes], timeout: float) -> float:
    """Wait for ``proc`` to exit; return the CPU seconds of it and its waited children.

    Kills the whole group if it has not exited after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        pid, _status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(_status)
            return usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            kill_group(proc)
        time.sleep(0.02)


def kill_group(proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    """Signal ``proc``'s process group (it was started with its own session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def stop(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> float:
    """SIGTERM the group, wait (killing after ``timeout``); return the CPU seconds used."""
    if proc.returncode is None:
        kill_group(proc, signal.SIGTERM)
    cpu = wait_cpu(proc, timeout) if proc.returncode is None else 0.0
    kill_group(proc)  # anything the leader left behind in its group
    return cpu


@dataclass
class Drain:
    """How a drain went: rate over the drain itself and over the whole run."""

    messages: int
    seconds: float  # first progress seen → nothing left
    wall_seconds: float  # consumer started → nothing left (start-up included)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0

    @property
    def wall_rate(self) -> float:
        return self.messages / self.wall_seconds if self.wall_seconds > 0 else 0.0


def watch_drain(remaining: Callable[[], int], total: int, started: float, timeout: float) -> Drain:
    """Poll ``remaining()`` until it reaches 0; time the drain from its first progress.

    The rate counts only messages consumed after progress was first seen, so the
    polling interval does not inflate it. Raises TimeoutError after ``timeout``.
    """
    deadline = started + timeout
    first_at, first_left = None, total
    while True:
        left = remaining()
        now = time.monotonic()
        if first_at is None and left < total:
            first_at, first_left = now, left
        if left == 0:
            break
        if now > deadline:
            raise TimeoutError(f"{left} of {total} messages left after {timeout:.0f} s")
        time.sleep(PROGRESS_SECONDS)
    assert first_at is not None
    return Drain(first_left, max(now - first_at, 1e-9), now - started)


@contextlib.contextmanager
def measured(proc: subprocess.Popen[bytes]) -> Iterator[TreeSampler]:
    """Sample ``proc``'s tree while the block runs."""
    with TreeSampler(proc.pid) as sampler:
        yield sampler


def mb(nbytes: float) -> float:
    return round(nbytes / 1e6, 1)
