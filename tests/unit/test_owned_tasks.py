"""OwnedTasks: a resource's background work is kept until done and awaited at close."""

from __future__ import annotations

import asyncio

import pytest
from tests.cancel_turns import cancel_on_turn

from headrace.owned_tasks import PRUNE_AT, OwnedTasks, cancel_and_wait

# More loop turns than a cancelled helper below takes to finish (WIND_DOWN) and then some.
TURNS = 12
WIND_DOWN = 3


async def test_aclose_waits_for_work_in_flight() -> None:
    tasks = OwnedTasks()
    release = asyncio.Event()
    done: list[str] = []

    async def work() -> None:
        await release.wait()
        done.append("work")

    tasks.spawn(work())
    closing = asyncio.create_task(tasks.aclose())
    await asyncio.sleep(0)
    assert not closing.done()
    assert tasks.running == 1
    release.set()
    await closing
    assert done == ["work"]
    assert tasks.running == 0


async def test_aclose_with_cancel_ends_work_that_runs_until_stopped() -> None:
    tasks = OwnedTasks()
    forever = tasks.spawn(asyncio.Event().wait(), name="heartbeat")
    await tasks.aclose(cancel=True)
    assert forever.cancelled()


async def test_a_future_is_tracked_as_it_is_and_nothing_starts_once_closed() -> None:
    tasks = OwnedTasks()
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    assert tasks.spawn(future) is future
    asyncio.get_running_loop().call_soon(future.set_result, 1)
    await tasks.aclose()
    with pytest.raises(RuntimeError):
        tasks.spawn(asyncio.sleep(0))


async def test_finished_work_is_forgotten_so_memory_stays_bounded() -> None:
    tasks = OwnedTasks()
    loop = asyncio.get_running_loop()
    for _ in range(PRUNE_AT * 10):
        future: asyncio.Future[None] = loop.create_future()
        tasks.spawn(future)
        future.set_result(None)
    assert len(tasks._running) <= PRUNE_AT
    assert tasks.running == 0


async def slow_to_end() -> None:
    """Runs until cancelled, then takes WIND_DOWN loop turns to finish (cancelled)."""
    try:
        await asyncio.Event().wait()
    finally:
        for _ in range(WIND_DOWN):
            await asyncio.sleep(0)


async def test_cancel_and_wait_ends_the_tasks_without_raising_their_cancellation() -> None:
    """Every task is cancelled and finished when it returns; their CancelledError is not
    the caller's, so nothing is raised."""
    tasks = [asyncio.create_task(slow_to_end()) for _ in range(2)]
    await asyncio.sleep(0)
    await cancel_and_wait(tasks)
    assert all(task.cancelled() for task in tasks)
    await cancel_and_wait([])  # nothing to end: a no-op


async def test_cancel_and_wait_raises_a_task_failure() -> None:
    """A task that failed before it could be cancelled has its error raised, as awaiting
    it would; the other tasks are still ended first."""

    async def fail() -> None:
        raise ValueError("broken")

    failed = asyncio.create_task(fail())
    other = asyncio.create_task(slow_to_end())
    await asyncio.sleep(0)
    with pytest.raises(ValueError, match="broken"):
        await cancel_and_wait([other, failed])
    assert other.cancelled()


async def test_a_cancel_of_the_caller_is_never_swallowed() -> None:
    """The caller is cancelled on every loop turn while the tasks wind down: whenever the
    cancel was delivered (``cancel()`` True), the caller ends cancelled. ``cancel`` then
    ``await`` under ``suppress(CancelledError)`` took such a cancel for the task's own."""
    for turns in range(TURNS):
        helper = asyncio.create_task(slow_to_end())
        await asyncio.sleep(0)
        closing = asyncio.create_task(cancel_and_wait([helper]))
        await cancel_on_turn(closing, turns)
        helper.cancel()  # a cancel before the caller ran left the helper running
        await asyncio.wait({helper})
