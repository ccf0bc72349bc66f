"""The concurrency limiter behind reserve() and try_reserve()."""

from __future__ import annotations

import asyncio

import pytest

from headrace.functions.limiter import ConcurrencyLimiter


async def test_try_acquire_takes_free_units_then_refuses():
    """Units are handed out up to the limit; past it, try_acquire says no."""
    limiter = ConcurrencyLimiter(2)
    assert limiter.try_acquire()
    assert limiter.try_acquire()
    assert not limiter.try_acquire()
    assert limiter.in_use == 2


async def test_release_hands_the_unit_to_the_longest_waiter():
    """Waiters are served first come, first served."""
    limiter = ConcurrencyLimiter(1)
    await limiter.acquire()
    order: list[str] = []

    async def waiter(name: str) -> None:
        await limiter.acquire()
        order.append(name)

    tasks = [asyncio.create_task(waiter(n)) for n in ("first", "second")]
    await asyncio.sleep(0)
    limiter.release()
    await asyncio.sleep(0)
    assert order == ["first"]
    limiter.release()
    await asyncio.gather(*tasks)
    assert order == ["first", "second"]
    assert limiter.in_use == 1


async def test_try_acquire_does_not_jump_the_queue():
    """A unit freed while others wait goes to a waiter, not to try_acquire."""
    limiter = ConcurrencyLimiter(1)
    await limiter.acquire()
    task = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    limiter.release()
    assert not limiter.try_acquire()
    await task
    assert limiter.in_use == 1


async def test_cancelled_waiter_takes_nothing():
    """Cancelling a waiting acquire leaves the count unchanged."""
    limiter = ConcurrencyLimiter(1)
    await limiter.acquire()
    task = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    limiter.release()
    assert limiter.in_use == 0
    assert limiter.try_acquire()


async def test_waiter_cancelled_after_being_handed_a_unit_passes_it_on():
    """A unit handed to a waiter that is cancelled before it runs is not lost."""
    limiter = ConcurrencyLimiter(1)
    await limiter.acquire()
    doomed = asyncio.create_task(limiter.acquire())
    patient = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    limiter.release()  # hands the unit to `doomed`...
    doomed.cancel()  # ...which is cancelled before it resumes
    with pytest.raises(asyncio.CancelledError):
        await doomed
    await patient
    assert limiter.in_use == 1


async def test_release_without_acquire_is_an_error():
    """Releasing more than was acquired is a bug and says so."""
    with pytest.raises(RuntimeError):
        ConcurrencyLimiter(1).release()


def test_limit_must_be_positive():
    """A limit below one would never run anything."""
    with pytest.raises(ValueError, match="at least 1"):
        ConcurrencyLimiter(0)


async def test_grow_raises_the_limit_and_serves_waiters_at_once():
    """A mapping made at run time grows the pool: the new units go to waiters first, and a
    lower limit changes nothing."""
    limiter = ConcurrencyLimiter(1)
    await limiter.acquire()
    waiter = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    limiter.grow(3)
    await asyncio.wait_for(waiter, 1.0)
    assert (limiter.limit, limiter.in_use) == (3, 2)
    assert limiter.try_acquire()
    assert not limiter.try_acquire()
    limiter.grow(2)
    assert limiter.limit == 3
