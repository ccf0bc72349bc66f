"""Wake-ups: per-key waits on a fake clock (the socket between processes: test_wake_socket)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from headrace.broker.wake import Waker
from headrace.clock import FakeClock

KEY = "arn:aws:sqs:us-east-1:123456789012:q"


async def test_notify_wakes_a_waiter() -> None:
    """A notification of the key ends the wait with True, before any timeout."""
    clock = FakeClock()
    waker = Waker(asyncio.get_running_loop())
    waiting = asyncio.create_task(waker.wait(KEY, waker.version(KEY), 30, clock))
    await asyncio.sleep(0)
    waker.notify(KEY)
    assert await waiting is True
    assert waker.statistics().wakeups == 1
    assert waker.statistics().waiting == 0


async def test_notification_before_the_wait_is_not_lost() -> None:
    """A notification between reading the version and waiting returns at once."""
    waker = Waker(asyncio.get_running_loop())
    version = waker.version(KEY)
    waker.notify(KEY)
    assert await waker.wait(KEY, version, 30, FakeClock()) is True


async def test_other_keys_do_not_wake() -> None:
    """Only the key's own notifications end its wait; the timeout runs on the clock."""
    clock = FakeClock()
    waker = Waker(asyncio.get_running_loop())
    waiting = asyncio.create_task(waker.wait(KEY, waker.version(KEY), 30, clock))
    await asyncio.sleep(0)
    waker.notify("other")
    clock.advance(29)
    await asyncio.sleep(0)
    assert not waiting.done()
    clock.advance(1)
    assert await waiting is False


async def test_zero_timeout_does_not_wait() -> None:
    """A wait with nothing left of its timeout returns False at once."""
    waker = Waker(asyncio.get_running_loop())
    assert await waker.wait(KEY, 0, 0, FakeClock()) is False


async def test_notify_from_another_thread() -> None:
    """notify_threadsafe wakes the loop's waiter from a broker thread."""
    clock = FakeClock()
    waker = Waker(asyncio.get_running_loop())
    waiting = asyncio.create_task(waker.wait(KEY, 0, 30, clock))
    await asyncio.sleep(0)
    threading.Thread(target=waker.notify_threadsafe, args=(KEY,)).start()
    assert await asyncio.wait_for(waiting, 10) is True


async def test_cancelled_wait_leaves_nothing_behind() -> None:
    """A cancelled wait removes its waiter and its clock sleeper."""
    clock = FakeClock()
    waker = Waker(asyncio.get_running_loop())
    waiting = asyncio.create_task(waker.wait(KEY, 0, 30, clock))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await asyncio.sleep(0)
    assert waker.statistics().waiting == 0
    assert clock.sleepers == 0


def test_notify_threadsafe_after_loop_closed() -> None:
    """A wake-up for a loop that has closed is dropped, not raised."""
    loop = asyncio.new_event_loop()
    waker = Waker(loop)
    loop.close()
    waker.notify_threadsafe(KEY)
