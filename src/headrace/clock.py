"""Clocks: the one seam through which headrace reads time and sleeps.

The engine and the broker take a :class:`Clock` so tests can drive windows, visibility
timeouts and backoffs with :class:`FakeClock` instead of sleeping.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from headrace.owned_tasks import cancel_and_wait


class Clock(Protocol):
    """Wall time (epoch seconds), monotonic time, and sleeping."""

    def time(self) -> float:
        """Seconds since the epoch (persisted timestamps, visibility deadlines)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (windows, timeouts)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""
        ...


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """A clock that moves only when told to; sleepers wake when it passes their deadline.

    ``advance(s)`` moves both wall and monotonic time and wakes every sleeper whose
    deadline has passed, in deadline order.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._wall = start
        self._mono = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def time(self) -> float:
        return self._wall

    def monotonic(self) -> float:
        return self._mono

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._mono + seconds, future))
        await future

    def advance(self, seconds: float) -> None:
        """Move time forward and wake every sleeper whose deadline has passed."""
        self._wall += seconds
        self._mono += seconds
        due = sorted(
            (item for item in self._sleepers if item[0] <= self._mono), key=lambda item: item[0]
        )
        self._sleepers = [(d, f) for d, f in self._sleepers if d > self._mono]
        for _, future in due:
            if not future.done():
                future.set_result(None)

    @property
    def sleepers(self) -> int:
        """How many tasks are sleeping on this clock right now."""
        return sum(1 for _, f in self._sleepers if not f.done())


async def wait_or_sleep(clock: Clock, event: asyncio.Event, seconds: float) -> bool:
    """Wait until ``event`` is set, for at most ``seconds`` of ``clock``'s time.

    Returns True if the event is set (at once if it already was), False when the time ran
    out. Back-offs sleep through this with their owner's stop event, so a stop ends them
    at once instead of after the rest of the wait.

    A cancellation of the caller always propagates, even one that arrives while the two
    helper tasks are being wound down (:func:`~headrace.owned_tasks.cancel_and_wait`; it
    was swallowed once: a visibility heartbeat cancelled as its lease set changed kept
    running, and the delete of a real SQS mapping waited for it forever).
    """
    if event.is_set():
        return True
    if seconds <= 0:
        return False
    waiter = asyncio.ensure_future(event.wait())
    sleeper = asyncio.ensure_future(clock.sleep(seconds))
    helpers = {waiter, sleeper}
    try:
        await asyncio.wait(helpers, return_when=asyncio.FIRST_COMPLETED)
    finally:
        await cancel_and_wait(helpers)
    return event.is_set()
