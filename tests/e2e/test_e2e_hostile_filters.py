"""End to end: a producer's hostile body never stalls a running engine's filters (§6)."""

from __future__ import annotations

import json
import signal
import time

import pytest
from e2e_project import Project, function, mapping, queue, wait_until

pytestmark = pytest.mark.e2e

# SQS's largest body: 256 KiB (§2.1).
MAX_BODY = 256 * 1024
# A pattern that a backtracking `.*` matcher needs minutes for on a long run of "a".
PATTERN = {"body": [{"wildcard": "ok:*a*a*a*a*a*b"}]}
# Bound on a whole `run --until-drained` (start, filter, invoke, stop): a few seconds when
# filtering is linear; the backtracking matcher never finished.
DRAIN_SECONDS = 30
# Bound on a running engine's exit after SIGTERM.
EXIT_SECONDS = 15


def hostile_body(n: int) -> str:
    """A near miss of PATTERN as long as SQS allows (distinct per n)."""
    prefix = f"ok:{n}"
    return prefix + "a" * (MAX_BODY - len(prefix))


def configure_filtered(project: Project) -> None:
    project.configure(
        queues={"orders": queue(visibility=30)},
        functions={"fn": function()},
        mappings=[
            mapping("fn", "orders", FilterCriteria={"Filters": [{"Pattern": json.dumps(PATTERN)}]})
        ],
    )


def test_a_hostile_body_is_filtered_out_and_the_run_drains_promptly(project: Project) -> None:
    """§6.6: a 256 KB near-miss body is dropped in linear time; the matching one runs."""
    configure_filtered(project)
    project.send("orders", hostile_body(1), "ok:aaaaab", hostile_body(2))
    started = time.monotonic()
    project.drain(timeout=DRAIN_SECONDS)
    assert time.monotonic() - started < DRAIN_SECONDS
    assert project.processed_bodies() == {"ok:aaaaab"}
    # §6.6: filtered-out SQS messages are deleted.
    assert project.depth("orders") == {"Visible": 0, "InFlight": 0, "Delayed": 0}


def test_sigterm_is_honoured_while_hostile_bodies_arrive(project: Project) -> None:
    """design.md: SIGTERM stops the engine promptly even while it filters hostile bodies."""
    configure_filtered(project)
    process = project.start("run", "--port", "0")
    project.send("orders", *(hostile_body(n) for n in range(4)), "ok:first-aaaaab")
    wait_until(lambda: "ok:first-aaaaab" in project.processed_bodies(), "the matching body to run")
    project.send("orders", *(hostile_body(n) for n in range(4, 8)))
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=EXIT_SECONDS) == 0, project.stderr_of(process)
