"""`make demo` runs the quickstart to the end and reports what the app promises; it never
hangs: a failure or its deadline ends it with one line and exit 1."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart"
# Bound on one demo run: a hang fails the test instead of blocking the suite.
DEMO_TIMEOUT_S = 150


def copy_quickstart(tmp_path: Path) -> Path:
    """The quickstart in a folder of its own, without any data_dir."""
    app = tmp_path / "quickstart"
    shutil.copytree(QUICKSTART, app, ignore=shutil.ignore_patterns(".headrace"))
    return app


def run_demo(app: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(app / "demo.py"), *args],
        capture_output=True,
        text=True,
        timeout=DEMO_TIMEOUT_S,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_demo_drains_and_summarises(tmp_path: Path) -> None:
    """README quick start: the demo stops by itself with what was processed and dead-lettered.

    8 flaky orders are retried once and 3 poison ones twice: 14 retried deliveries, or more
    on a loaded machine, where a batch may outlast the demo's 2 s visibility timeout while
    a new worker starts (the message is then delivered again, and still processed once)."""
    done = run_demo(copy_quickstart(tmp_path))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    orders = re.search(
        r"orders: 60 sent, 57 processed, (\d+) retried deliveries, 3 dead-lettered", out
    )
    assert orders is not None, out
    assert int(orders.group(1)) >= 14
    assert "payments.fifo: 30 sent, 30 processed" in out
    assert "0 dead-lettered into payments-dlq.fifo" in out
    assert "1 record sent to clicks-failures" in out
    assert "users table: 12 changes seen by sync-users" in out


def test_demo_that_cannot_open_its_data_dir_says_so_and_exits_1(tmp_path: Path) -> None:
    """Issue 8, item 1: when the app (and the producer) fail, the demo ends at once with one
    line naming the failure and exit 1: no hang, no KeyError in a summary."""
    app = copy_quickstart(tmp_path)
    (app / "blocker").write_text("a file where the data_dir's parent folder should be\n")
    config = app / "headrace.yaml"
    config.write_text(config.read_text().replace("data_dir: .headrace", "data_dir: blocker/dd"))
    done = run_demo(app)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"demo: the (app|producer) failed: BrokerError: .*blocker.*", last), last


def test_demo_gives_up_at_its_deadline_saying_what_is_left(tmp_path: Path) -> None:
    """Issue 8, item 1: past --deadline the demo says what is not drained and exits 1 (the
    producer alone pauses 1.8 s, so one second is never enough)."""
    done = run_demo(copy_quickstart(tmp_path), "--deadline", "1")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("demo: not drained after 1 s: the producer is still sending"), last
