"""`make demo` runs the quickstart to the end and reports what the app promises."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart"


def test_demo_drains_and_summarises(tmp_path: Path) -> None:
    """README quick start: the demo stops by itself with what was processed and dead-lettered."""
    app = tmp_path / "quickstart"
    shutil.copytree(QUICKSTART, app, ignore=shutil.ignore_patterns(".headrace"))
    done = subprocess.run(
        [sys.executable, str(app / "demo.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "orders: 60 sent, 57 processed, 14 retried deliveries, 3 dead-lettered" in out
    assert "payments.fifo: 30 sent, 30 processed" in out
    assert "0 dead-lettered into payments-dlq.fifo" in out
    assert "1 record sent to clicks-failures" in out
    assert "users table: 12 changes seen by sync-users" in out
