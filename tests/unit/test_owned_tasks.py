"""OwnedTasks: a resource's background work is kept until done and awaited at close."""

from __future__ import annotations

import asyncio

import pytest

from headrace.owned_tasks import PRUNE_AT, OwnedTasks


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
