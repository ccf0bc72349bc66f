"""wait_or_sleep: a stop ends the wait, time ends it, and a cancellation of the waiter is
never swallowed, whenever it arrives."""

from __future__ import annotations

import asyncio

from tests.cancel_turns import cancel_on_turn

from headrace.clock import FakeClock, wait_or_sleep

# More loop turns than wait_or_sleep takes to wind down its helpers after a wake-up.
TURNS = 12


async def started(clock: FakeClock) -> None:
    """Let the wait start its sleeper on the fake clock."""
    for _ in range(TURNS):
        if clock.sleepers:
            return
        await asyncio.sleep(0)
    raise AssertionError("the wait never slept on the clock")


async def test_the_event_ends_the_wait() -> None:
    """A set event ends the wait before the time runs out; the answer is True."""
    clock, event = FakeClock(), asyncio.Event()
    waiting = asyncio.create_task(wait_or_sleep(clock, event, 10.0))
    await started(clock)
    event.set()
    assert await waiting is True
    assert clock.sleepers == 0, "the sleeper it started is gone"


async def test_the_time_ends_the_wait() -> None:
    """Without the event the wait ends when the clock passes the time; the answer is False."""
    clock, event = FakeClock(), asyncio.Event()
    waiting = asyncio.create_task(wait_or_sleep(clock, event, 10.0))
    await started(clock)
    clock.advance(10.0)
    assert await waiting is False


async def test_a_cancel_as_the_event_wakes_the_wait_is_not_swallowed() -> None:
    """The caller is cancelled on every loop turn of the wake-up after its event is set,
    including the turns where the helper tasks are being wound down: whenever the cancel
    was delivered (``cancel()`` True), the caller ends cancelled. Before the fix a cancel
    in the wind-down was taken for a helper's own and dropped, and a heartbeat cancelled
    then ran on for ever (a real SQS mapping's delete never settled)."""
    for turns in range(TURNS):
        clock, event = FakeClock(), asyncio.Event()
        waiting = asyncio.create_task(wait_or_sleep(clock, event, 10.0))
        await started(clock)
        event.set()
        await cancel_on_turn(waiting, turns)


async def test_a_cancel_as_the_time_runs_out_is_not_swallowed() -> None:
    """The same when the clock, not the event, ends the wait."""
    for turns in range(TURNS):
        clock, event = FakeClock(), asyncio.Event()
        waiting = asyncio.create_task(wait_or_sleep(clock, event, 10.0))
        await started(clock)
        clock.advance(10.0)
        await cancel_on_turn(waiting, turns)
