"""End to end: processes a handler starts never outlive its worker, nor `headrace run`.

A handler that starts a process and then dies is reported at once as Lambda's
``Runtime.ExitError`` (not as a timeout, even when a forked copy of the worker holds its
pipes), its message is retried and dead-lettered as usual, and no process of the worker's
group survives.
"""

from __future__ import annotations

import textwrap

import pytest
from e2e_project import Project, function, mapping, process_gone, queue, wait_until

pytestmark = pytest.mark.e2e

# The functions' Timeout (and the queue's visibility, which may not be shorter): longer than
# noticing a crash takes, so a crash reported as a timeout shows in the log; shorter than the
# children live, so a run that waits for a child to end does not drain in RUN_TIMEOUT.
SLOW_TIMEOUT = 5
# Bound on a killed process leaving the process table.
GONE_WITHIN_SECONDS = 10.0
# Bound on a run that must not wait for any Timeout or for a child to end on its own.
RUN_TIMEOUT = 45.0

CHILDREN = """
import os, subprocess, time

DIR = os.environ["E2E_DIR"]


def note(pid, context):
    path = os.path.join(DIR, "child-" + context.aws_request_id)
    with open(path + ".tmp", "w") as f:
        f.write(str(pid))
    os.rename(path + ".tmp", path)


def leave_child(event, context):
    note(subprocess.Popen(["sleep", "60"]).pid, context)


def child_then_exit(event, context):
    note(subprocess.Popen(["sleep", "60"]).pid, context)
    os._exit(1)


def fork_then_exit(event, context):
    pid = os.fork()
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    note(pid, context)
    os._exit(1)
"""


def configure(project: Project, handler: str) -> None:
    project.configure(
        queues={
            "orders": queue(visibility=SLOW_TIMEOUT, dlq="orders-dlq", max_receives=1),
            "orders-dlq": {},
        },
        functions={"fn": function(f"children.{handler}", timeout=SLOW_TIMEOUT)},
        mappings=[mapping("fn", "orders")],
    )
    (project.root / "src" / "children.py").write_text(textwrap.dedent(CHILDREN))


def child_pids(project: Project) -> list[int]:
    return [int(p.read_text()) for p in project.root.glob("child-*") if p.suffix != ".tmp"]


def assert_children_gone(project: Project) -> None:
    pids = child_pids(project)
    assert pids, "the handler noted the processes it started"
    wait_until(
        lambda: all(process_gone(pid) for pid in pids), "the children to die", GONE_WITHIN_SECONDS
    )


@pytest.mark.parametrize("handler", ["child_then_exit", "fork_then_exit"])
def test_worker_dying_with_a_child_is_an_exit_error_and_the_child_dies(
    project: Project, handler: str
) -> None:
    """§4.2.17: exit status 1 at once, then dead-lettered (§4.1.2); no child survives."""
    configure(project, handler)
    project.send("orders", "doomed")
    done = project.drain(timeout=RUN_TIMEOUT)
    assert done.stderr.count("Error: Runtime exited with error: exit status 1") == 1, done.stderr
    assert "Task timed out" not in done.stderr
    assert project.bodies("orders-dlq") == ["doomed"]
    assert project.bodies("orders") == []
    assert_children_gone(project)


def test_child_left_running_by_a_handler_dies_when_run_exits(project: Project) -> None:
    """design.md: nothing headrace started outlives it, a handler's leftover process included."""
    configure(project, "leave_child")
    project.send("orders", "fine")
    project.drain(timeout=RUN_TIMEOUT)
    assert project.bodies("orders") == []
    assert_children_gone(project)
