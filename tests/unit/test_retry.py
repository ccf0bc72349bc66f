"""The one retry policy: capped exponential backoff with jitter, on the injected clock."""

from __future__ import annotations

import asyncio
import random

from headrace.clock import FakeClock
from headrace.retry import Backoff, Jitter


def test_delays_double_from_the_base_up_to_the_cap() -> None:
    """Unjittered: base, twice that, four times ..., never above the cap."""
    backoff = Backoff(base=1.0, cap=30.0)
    assert [backoff.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_very_long_run_of_retries_does_not_overflow() -> None:
    """A shard retrying without end (MaximumRetryAttempts -1) keeps the cap forever."""
    assert Backoff(base=0.1, cap=5.0).delay(100_000) == 5.0


def test_full_jitter_spreads_below_the_ceiling_and_half_jitter_above_its_half() -> None:
    """FULL: [0, ceiling); HALF: [ceiling/2, ceiling)."""
    rng = random.Random(3)
    full = [Backoff(base=4.0, cap=4.0, jitter=Jitter.FULL).delay(1, rng) for _ in range(200)]
    half = [Backoff(base=4.0, cap=4.0, jitter=Jitter.HALF).delay(1, rng) for _ in range(200)]
    assert all(0.0 <= d < 4.0 for d in full)
    assert min(full) < 1.0
    assert all(2.0 <= d <= 4.0 for d in half)


def test_attempts_are_used_up() -> None:
    """``attempts`` calls in all: the third of three is the last."""
    backoff = Backoff(base=1.0, cap=1.0, attempts=3)
    assert [backoff.exhausted(n) for n in (1, 2, 3)] == [False, False, True]


async def test_the_wait_is_on_the_clock_and_a_stop_ends_it() -> None:
    """The delay passes on the injected clock; a set ``until`` event ends it at once."""
    clock = FakeClock()
    stop = asyncio.Event()
    waiting = asyncio.ensure_future(Backoff(base=10.0, cap=10.0).wait(clock, 1, until=stop))
    for _ in range(5):
        await asyncio.sleep(0)
    assert clock.sleepers == 1
    stop.set()
    assert await waiting == 10.0
    plain = asyncio.ensure_future(Backoff(base=2.0, cap=2.0).wait(clock, 1))
    await asyncio.sleep(0)
    clock.advance(2.0)
    assert await plain == 2.0
