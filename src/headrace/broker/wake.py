"""Wake-ups: a change in any process wakes the tasks waiting on it, at once.

The process running the engine listens on its data_dir's wake-up socket, and every process
that commits a change others may wait for sends a datagram naming it
(:mod:`headrace.broker.wake_socket`). Inside the engine a :class:`Waker` turns those names
into per-key wake-ups of asyncio tasks; changes made in the engine's own process notify the
waker directly, without the socket (:class:`Notifier` picks). Keys are ARNs: queues',
streams' and tables' change streams'.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from headrace.broker.wake_socket import WakeSender, wake_address
from headrace.clock import Clock


class Notifier:
    """What a broker calls with a key (an ARN) after each commit that others may wait for.

    With ``notify`` given (the engine's own :class:`Waker`, or a test's list), calls it;
    without, sends a wake-up datagram to the ``headrace run`` listening for ``data_dir``
    through a :class:`~headrace.broker.wake_socket.WakeSender` that :meth:`close` closes.
    Never raises for a missing listener (see WakeSender).
    """

    def __init__(self, data_dir: Path, notify: Callable[[str], None] | None = None) -> None:
        self._sender: WakeSender | None = None
        if notify is None:
            self._sender = WakeSender(wake_address(data_dir))
            notify = self._sender.notify
        self._notify = notify

    def __call__(self, key: str) -> None:
        """Tell whoever waits that ``key`` changed."""
        self._notify(key)

    def close(self) -> None:
        """Close the wake-up socket, if this notifier opened one."""
        if self._sender is not None:
            self._sender.close()


@dataclass(frozen=True, slots=True)
class WakerStatistics:
    """How many notifications a :class:`Waker` got and how many waits they ended."""

    notifications: int
    wakeups: int
    waiting: int


class Waker:
    """Per-key wake-ups for tasks of one event loop.

    A waiter reads :meth:`version` *before* it looks for work, then calls :meth:`wait`
    with that version: a notification that landed in between makes ``wait`` return at
    once, so no wake-up is lost. :meth:`notify_threadsafe` may be called from any thread.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._versions: dict[str, int] = {}
        self._waiters: dict[str, set[asyncio.Future[bool]]] = {}
        self._notifications = 0
        self._wakeups = 0

    def version(self, key: str) -> int:
        """How many times ``key`` was notified so far."""
        return self._versions.get(key, 0)

    def notify(self, key: str) -> None:
        """Wake every task waiting on ``key`` (call on the loop's thread)."""
        self._notifications += 1
        self._versions[key] = self._versions.get(key, 0) + 1
        for waiter in self._waiters.get(key, ()):
            if not waiter.done():
                waiter.set_result(True)
                self._wakeups += 1

    def notify_threadsafe(self, key: str) -> None:
        """:meth:`notify` from any thread; dropped if the loop has closed."""
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self.notify, key)

    async def wait(self, key: str, version: int, timeout: float, clock: Clock) -> bool:
        """Wait for a notification of ``key`` after ``version``, or ``timeout`` seconds.

        Returns True when notified, False when the timeout ran out. The timeout is slept
        on ``clock``, so a ``FakeClock`` decides when it runs out.
        """
        if self.version(key) != version:
            return True
        if timeout <= 0:
            return False
        woken: asyncio.Future[bool] = self._loop.create_future()
        waiters = self._waiters.setdefault(key, set())
        waiters.add(woken)
        # The deadline is fixed now: the sleeper task starts later, after time may have moved.
        sleeper = self._loop.create_task(_sleep_until(clock, clock.monotonic() + timeout))

        def timed_out(_: asyncio.Task[None]) -> None:
            if not woken.done():
                woken.set_result(False)

        sleeper.add_done_callback(timed_out)
        try:
            return await woken
        finally:
            sleeper.cancel()
            waiters.discard(woken)

    def statistics(self) -> WakerStatistics:
        waiting = sum(len(w) for w in self._waiters.values())
        return WakerStatistics(self._notifications, self._wakeups, waiting)


async def _sleep_until(clock: Clock, deadline: float) -> None:
    await clock.sleep(deadline - clock.monotonic())
