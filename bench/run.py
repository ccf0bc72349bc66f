"""``make bench``: run every case side by side, then write ``bench/RESULTS.md``.

Each case runs in its own process with a time limit; a case that fails or runs over is a
row saying so, and the others still run. Whatever a case started (engines, workers, peers'
workers, MiniStack, temporary folders) is stopped by the case itself, and its whole process
group is killed if it runs over. Redis is the local one on port 6379; if none answers, a
private ``redis-server`` is started for the peers and stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import BENCH, PYTHON, ROOT, Row
from bench.report import machine, write_results


@dataclass(frozen=True)
class Case:
    """One case module with its arguments and the time it may take."""

    module: str
    args: tuple[str, ...]
    timeout_s: float
    title: str


# Message counts: the issue's, except for the two slowest peers, whose rate does not depend
# on the count (Celery ~1,000 msgs/s would take 100 s for 100,000; MiniStack as long).
CASES = (
    Case("ceilings", ("--messages", "100000"), 180, "raw ceilings"),
    Case("drain_headrace", ("--messages", "100000"), 300, "headrace queue drain"),
    Case(
        "drain_peers",
        ("--messages", "100000", "--celery-messages", "30000"),
        600,
        "Celery and Dramatiq",
    ),
    Case("drain_ministack", ("--messages", "20000", "--records", "20000"), 300, "MiniStack"),
    Case("latency", ("--idle", "500", "--steady-seconds", "30"), 240, "latency"),
    Case("stream", ("--records", "100000"), 300, "stream"),
    Case(
        "fifo_failures", ("--fifo-messages", "10000", "--messages", "100000"), 400, "FIFO, failures"
    ),
    Case("idle", ("--seconds", "30"), 240, "idle cost"),
    Case("aws_api", ("--seconds", "5", "--samples", "20"), 300, "AWS APIs beside moto"),
)
REDIS_PORT = 6379
# A private Redis, when the local one is not running: a port nobody else uses here.
PRIVATE_REDIS_PORT = 6391


def _port_open(port: int) -> bool:
    with contextlib.closing(socket.socket()) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def redis_server() -> Iterator[dict[str, str]]:
    """The environment that points the peers at a Redis: the local one, or a private one."""
    if _port_open(REDIS_PORT):
        yield {}
        return
    binary = shutil.which("redis-server")
    if binary is None:
        print("bench: no Redis on 6379 and no redis-server: the peers will fail", file=sys.stderr)
        yield {}
        return
    argv = [binary, "--port", str(PRIVATE_REDIS_PORT), "--bind", "127.0.0.1", "--save", ""]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            if _port_open(PRIVATE_REDIS_PORT):
                break
            time.sleep(0.1)
        base = f"redis://127.0.0.1:{PRIVATE_REDIS_PORT}"
        yield {"BENCH_CELERY_REDIS": f"{base}/13", "BENCH_DRAMATIQ_REDIS": f"{base}/14"}
    finally:
        proc.terminate()
        proc.wait(10)


def run_case(case: Case, env: dict[str, str]) -> list[Row]:
    """Run one case module; its rows, or one row saying how it failed."""
    argv = [PYTHON, "-m", f"bench.cases.{case.module}", *case.args]
    print(f"bench: {case.title} ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        start_new_session=True,
        text=True,
    )
    try:
        out, _ = proc.communicate(timeout=case.timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return [Row(case.module, case.title, {}, [f"timed out after {case.timeout_s:.0f} s"])]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # anything the case left in its group
    print(f"bench: {case.title}: {time.monotonic() - started:.0f} s", file=sys.stderr)
    lines = out.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return [Row(case.module, case.title, {}, [f"failed (exit {proc.returncode})"])]
    return [Row(**row) for row in json.loads(lines[-1])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", help="run only these case modules")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--json", type=Path, default=BENCH / "results.json")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite RESULTS.md from the JSON, run nothing"
    )
    args = parser.parse_args()
    if args.report_only:
        saved = json.loads(args.json.read_text())
        rows = [Row(**row) for row in saved["rows"]]
        write_results(rows, args.out, saved["seconds"], saved["machine"])
        return
    cases = [c for c in CASES if not args.only or c.module in args.only]
    started = time.monotonic()
    rows: list[Row] = []
    with redis_server() as env:
        for case in cases:
            rows += run_case(case, env)
    elapsed = time.monotonic() - started
    lines = machine()
    payload: dict[str, Any] = {
        "rows": [r.as_json() for r in rows],
        "seconds": elapsed,
        "machine": lines,
    }
    args.json.write_text(json.dumps(payload, indent=1))
    write_results(rows, args.out, elapsed, lines)
    print(f"bench: wrote {args.out} in {elapsed / 60:.1f} min", file=sys.stderr)


if __name__ == "__main__":
    main()
