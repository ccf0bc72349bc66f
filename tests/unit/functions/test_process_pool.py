"""The worker pool: concurrency cap, throttles, LIFO reuse, idle reaping, shutdown."""

from __future__ import annotations

import asyncio
import json

import pytest
from tests.cancel_turns import cancel_on_turn

from headrace.clock import FakeClock
from headrace.functions.function_seam import InvocationStatus


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """The largest number of intervals that are open at one instant."""
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


async def test_reserved_concurrency_caps_concurrent_workers(make_runtime, tmp_path):
    """ReservedConcurrentExecutions=2: four concurrent invocations never overlap past two."""
    out = tmp_path / "intervals"
    out.mkdir()
    runtime = make_runtime("handlers.interval", concurrency=2, environment={"OUT_DIR": str(out)})

    async def invoke(i: int):
        async with runtime.reserve() as slot:
            return await slot.invoke(b'{"sleep": 0.3}', request_id=f"req-{i}")

    results = await asyncio.gather(*(invoke(i) for i in range(4)))
    assert all(r.ok for r in results)
    intervals = [tuple(json.loads(p.read_text())) for p in out.iterdir()]
    assert len(intervals) == 4
    assert max_overlap(intervals) <= 2
    assert len({json.loads(r.payload) for r in results}) <= 2
    assert runtime.statistics().workers <= 2


async def test_try_reserve_when_every_slot_is_held_is_a_throttle(make_runtime):
    """§4.2.17: no free concurrency → try_reserve gives None and counts a throttle."""
    runtime = make_runtime("handlers.echo", concurrency=1)
    async with runtime.reserve():
        assert runtime.try_reserve() is None
    assert runtime.statistics().throttles == 1
    held = runtime.try_reserve()
    assert held is not None
    async with held as slot:
        assert (await slot.invoke(b"{}")).ok


async def test_workers_start_on_demand_not_in_advance(make_runtime):
    """Workers start when a slot invokes, not when the runtime is built or a slot reserved."""
    runtime = make_runtime("handlers.echo", concurrency=4)
    async with runtime.reserve() as slot:
        assert runtime.statistics().workers == 0
        await slot.invoke(b"{}")
    assert runtime.statistics().workers == 1


async def test_most_recently_used_worker_is_reused_first(make_runtime, tmp_path):
    """Idle workers are reused last-in first-out, so the warmest one runs next."""
    runtime = make_runtime("handlers.wait_for_file", concurrency=2)
    release = tmp_path / "release"
    now = json.dumps({"path": str(tmp_path)}).encode()
    later = json.dumps({"path": str(release)}).encode()

    async def invoke(payload: bytes) -> int:
        async with runtime.reserve() as slot:
            return json.loads((await slot.invoke(payload)).payload)

    slow = asyncio.create_task(invoke(later))
    fast_pid = await invoke(now)  # runs on a second worker while the first one waits
    release.write_text("go")
    slow_pid = await slow  # checked in last
    assert slow_pid != fast_pid
    assert await invoke(now) == slow_pid


async def test_idle_workers_are_reaped_after_idle_seconds(make_runtime, process_gone):
    """Idle workers are stopped once idle for idle_seconds; busy time does not count."""
    clock = FakeClock()
    runtime = make_runtime("handlers.echo", idle_seconds=10, clock=clock)
    async with runtime.reserve() as slot:
        await slot.invoke(b"{}")
    [pid] = runtime.worker_pids()
    clock.advance(9)
    assert await runtime.reap_idle() == 0
    clock.advance(2)
    assert await runtime.reap_idle() == 1
    assert runtime.statistics().workers == 0
    assert process_gone(pid)


async def test_a_new_worker_starts_after_reaping(make_runtime):
    """After its worker was reaped, a function's next invocation starts a fresh one."""
    clock = FakeClock()
    runtime = make_runtime("handlers.count", idle_seconds=1, clock=clock)
    async with runtime.reserve() as slot:
        await slot.invoke(b"{}")
        clock.advance(5)
        await runtime.reap_idle()
        result = json.loads((await slot.invoke(b"{}")).payload)
    assert result["calls"] == 1  # module state starts over in the new process


async def test_aclose_stops_every_worker(make_runtime, process_gone):
    """aclose() stops idle workers; nothing is left running."""
    runtime = make_runtime("handlers.echo")
    async with runtime.reserve() as slot:
        await slot.invoke(b"{}")
    [pid] = runtime.worker_pids()
    await runtime.aclose()
    assert process_gone(pid)
    assert runtime.statistics().workers == 0


async def test_aclose_kills_running_invocations(make_runtime, tmp_path):
    """aclose() kills a worker mid-invocation; that invocation ends as CRASHED."""
    runtime = make_runtime("handlers.hang", timeout=60)
    pidfile = tmp_path / "pid"

    async def invoke():
        async with runtime.reserve() as slot:
            return await slot.invoke(json.dumps({"pidfile": str(pidfile)}).encode())

    task = asyncio.create_task(invoke())
    while not pidfile.exists():  # noqa: ASYNC110 - the handler, another process, writes it
        await asyncio.sleep(0.01)
    await runtime.aclose()
    result = await task
    assert result.status is InvocationStatus.CRASHED
    assert result.error["errorMessage"].endswith("signal: killed")


async def test_a_cancel_while_aclose_ends_the_housekeeping_is_not_swallowed(make_runtime):
    """aclose() is cancelled on each of the first loop turns (the reaper and memory guard,
    asleep on the clock, being cancelled and awaited): whenever the cancel was delivered,
    aclose ends cancelled (it was once taken for a housekeeping task's own and dropped).
    The fixture closes each runtime fully afterwards."""
    for turns in range(3):
        runtime = make_runtime("handlers.echo", clock=FakeClock())
        async with runtime.reserve() as slot:
            await slot.invoke(b"{}")  # the first worker starts the housekeeping
        closing = asyncio.create_task(runtime.aclose())
        await cancel_on_turn(closing, turns)


async def test_reserve_after_aclose_is_refused(make_runtime):
    """A closed runtime gives no more slots."""
    runtime = make_runtime("handlers.echo")
    await runtime.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        async with runtime.reserve():
            pass
