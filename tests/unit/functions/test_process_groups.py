"""Processes a handler starts die with its worker's group, however the worker is discarded."""

from __future__ import annotations

import time

import pytest

from headrace.clock import FakeClock
from headrace.functions.function_seam import InvocationStatus

# Timeout of the functions below: far longer than a crash takes to be noticed, so a crash
# reported as a timeout (or noticed only when a child exits) fails the test.
SLOW_TIMEOUT = 20
EXIT_1 = "Error: Runtime exited with error: exit status 1"


@pytest.mark.parametrize("handler", ["child_then_exit", "fork_then_exit"])
async def test_worker_exiting_with_a_child_is_an_exit_error_at_once_and_the_child_dies(
    make_runtime, invoke_once, gone_soon, tmp_path, handler
):
    """§4.2.17: exit status 1 at once, even while a forked copy holds the frame pipe."""
    runtime = make_runtime(f"handlers.{handler}", timeout=SLOW_TIMEOUT)
    child = tmp_path / "child.pid"
    result = await invoke_once(runtime, {"child": str(child)}, request_id="req-1")
    assert result.status is InvocationStatus.CRASHED
    assert result.error == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: req-1 {EXIT_1}",
    }
    assert result.duration_ms < SLOW_TIMEOUT * 1000
    assert gone_soon(int(child.read_text()))


async def test_next_invocation_after_such_a_crash_runs_on_a_new_worker(
    make_runtime, invoke_once, tmp_path
):
    """Nothing is lost: the crashed worker is discarded and the retry runs."""
    runtime = make_runtime("handlers.fork_then_exit", timeout=SLOW_TIMEOUT)
    for n in range(2):
        result = await invoke_once(runtime, {"child": str(tmp_path / f"child-{n}.pid")})
        assert result.status is InvocationStatus.CRASHED
    assert runtime.statistics().invocations == 2
    assert runtime.statistics().workers == 0


async def test_children_left_by_a_healthy_worker_die_when_it_is_closed(
    make_runtime, invoke_once, gone_soon, tmp_path
):
    """aclose stops the worker and kills the processes its handler left running."""
    runtime = make_runtime("handlers.leave_child", timeout=SLOW_TIMEOUT)
    child = tmp_path / "child.pid"
    assert (await invoke_once(runtime, {"child": str(child)})).ok
    started = time.monotonic()
    await runtime.aclose()
    assert time.monotonic() - started < SLOW_TIMEOUT
    assert gone_soon(int(child.read_text()))


async def test_children_left_by_a_reaped_worker_die_with_it(
    make_runtime, invoke_once, gone_soon, tmp_path
):
    """Reaping an idle worker kills the processes its handler left running."""
    clock = FakeClock()
    runtime = make_runtime(
        "handlers.leave_child", timeout=SLOW_TIMEOUT, idle_seconds=1, clock=clock
    )
    child = tmp_path / "child.pid"
    assert (await invoke_once(runtime, {"child": str(child)})).ok
    clock.advance(2)
    started = time.monotonic()
    assert await runtime.reap_idle() == 1
    assert time.monotonic() - started < SLOW_TIMEOUT
    assert gone_soon(int(child.read_text()))
