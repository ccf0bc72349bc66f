"""End to end: what `status --json` says, and that status writing never breaks a run."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
from collections.abc import Iterator

import pytest
from e2e_project import Project, function, mapping, queue, wait_until

pytestmark = pytest.mark.e2e

# A status write gives up this soon on a held lock (HEADRACE_STATUS_BUSY_TIMEOUT), so the
# tests need not hold a lock for the default 10 s.
BUSY_TIMEOUT = "0.1"
# Long enough that a held batch never times out or reappears while a test holds it.
HOLD_TIMEOUT = 20
# Bound on a running engine's exit once it was told to stop (or released).
EXIT_TIMEOUT = 30
# What `run` logs when a status write fails, and when one works again.
STALE = "status not published (`headrace status` goes stale)"
RECOVERED = "status published again after"

# §8.3-8.4 and §8.1: the counters a mapping reports, under AWS's metric names.
AWS_COUNTERS = {
    "PolledEventCount",
    "FilteredOutEventCount",
    "InvokedEventCount",
    "FailedInvokeEventCount",
    "DeletedEventCount",
    "DroppedEventCount",
    "OnFailureDestinationDeliveredEventCount",
    "DestinationDeliveryFailures",
    "Invocations",
    "Errors",
}


def configure_orders(project: Project) -> None:
    project.configure(
        queues={"orders": queue(visibility=5)},
        functions={"fn": function("handlers.partial")},
        mappings=[
            mapping("fn", "orders", BatchSize=1, FunctionResponseTypes=["ReportBatchItemFailures"])
        ],
    )


def test_status_json_statistics_use_aws_metric_names(project: Project) -> None:
    """§8.3-8.4: `status --json` keys a mapping's counters by AWS's metric names."""
    configure_orders(project)
    project.send("orders", "ok:1", "ok:2", "flaky:3")
    project.drain()
    [entry] = project.status()["EventSourceMappings"]
    stats = entry["Statistics"]
    assert set(stats) == AWS_COUNTERS | {"Batches", "Concurrency"}
    # BatchSize 1: the flaky message is invoked twice (reported once), deleted once.
    assert stats["PolledEventCount"] == 4
    assert stats["InvokedEventCount"] == 4
    assert stats["Invocations"] == 4
    assert stats["FailedInvokeEventCount"] == 1
    assert stats["DeletedEventCount"] == 3
    assert stats["Errors"] == 0
    assert entry["State"] == "Enabled"


@contextlib.contextmanager
def write_lock(project: Project) -> Iterator[None]:
    """Hold state.sqlite3's write lock (another process's long write, as SQLite sees it)."""
    db = sqlite3.connect(project.root / ".headrace" / "state.sqlite3", isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        yield
        db.execute("ROLLBACK")
    finally:
        db.close()


def engine_published(project: Project) -> bool:
    return bool(project.status()["Engine"]["Running"])


def test_run_until_drained_exits_0_while_the_state_file_is_locked(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 8: a status write that fails (a lock held past the busy timeout) is logged; the
    run that processed everything still exits 0, with no traceback."""
    monkeypatch.setenv("HEADRACE_STATUS_BUSY_TIMEOUT", BUSY_TIMEOUT)
    project.configure(
        queues={"orders": queue(visibility=HOLD_TIMEOUT)},
        functions={"fn": function(timeout=HOLD_TIMEOUT)},
        mappings=[mapping("fn", "orders")],
    )
    [held] = project.send("orders", "hold:1")
    process = project.start("run", "--until-drained", "--port", "0")
    wait_until((project.root / f"started-{held}").exists, "the held batch to start")
    wait_until(lambda: engine_published(project), "the engine's first status")
    with write_lock(project):
        project.send("orders", "ok:2", "ok:3")
        project.release_path.touch()
        code = process.wait(timeout=EXIT_TIMEOUT)
    stderr = project.stderr_of(process)
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert stderr.count(STALE) == 1, stderr
    assert sorted(e["body"] for e in project.records("ok")) == ["hold:1", "ok:2", "ok:3"]


def test_status_recovers_once_the_state_file_lock_is_released(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 8: while status writes fail, processing goes on and `status` is stale; once
    the lock is gone the next retry publishes the current counts."""
    monkeypatch.setenv("HEADRACE_STATUS_BUSY_TIMEOUT", BUSY_TIMEOUT)
    configure_orders(project)
    process = project.start("run", "--port", "0")
    wait_until(lambda: engine_published(project), "the engine's first status")
    with write_lock(project):
        project.send("orders", "ok:1", "ok:2", "ok:3")
        wait_until(lambda: len(project.records("ok")) == 3, "the messages to be processed")
        wait_until(lambda: STALE in project.stderr_of(process), "the failed write's warning")
        [entry] = project.status()["EventSourceMappings"]
        assert entry["Statistics"]["InvokedEventCount"] == 0  # stale, as the log says
    assert process.poll() is None, project.stderr_of(process)

    def invoked() -> bool:
        [entry] = project.status()["EventSourceMappings"]
        return bool(entry["Statistics"]["InvokedEventCount"] == 3)

    wait_until(invoked, "status to show the three invocations")
    assert RECOVERED in project.stderr_of(process)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=EXIT_TIMEOUT) == 0, project.stderr_of(process)
