"""Running a synchronous storage core's calls where it lives, and awaiting them.

Every broker storage is a synchronous core (SQLite on a broker thread; an in-memory one run
inline on the loop) behind an async seam. :class:`CoreCalls` is the piece the queue, stream
and table storages share: the core, the :class:`BrokerCall` that runs a call where the core
lives, the :class:`~headrace.broker.wake.Waker` its changes wake, and closing the core (and
its thread) once. :func:`open_on_thread` opens a core on a new broker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Generic, ParamSpec, Protocol, TypeVar

from headrace.broker.thread import BrokerThread
from headrace.broker.wake import Waker
from headrace.clock import Clock

P = ParamSpec("P")
T = TypeVar("T")


class Closable(Protocol):
    """A core: whatever its calls, it can be closed."""

    def close(self) -> None: ...


C = TypeVar("C", bound=Closable)


class BrokerCall(Protocol):
    """Runs a blocking core call off the event loop (``BrokerThread.call``)."""

    def __call__(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Awaitable[T]:
        """Run ``fn`` where the core lives."""
        ...


class CoreCalls(Generic[C]):
    """A core whose calls run through ``call``; the storages' shared base.

    ``owns`` closes the core through ``call`` on :meth:`aclose` (and stops ``thread``, if
    given): a storage that opened its core; one over a core someone else closes passes
    False. ``waker`` may be a factory, called on first use (in-memory cores made outside a
    loop).
    """

    def __init__(
        self,
        core: C,
        *,
        call: BrokerCall,
        waker: Waker | Callable[[], Waker],
        clock: Clock,
        owns: bool = False,
        thread: BrokerThread | None = None,
    ) -> None:
        self.core = core
        self._call = call
        self._waker_or_factory = waker
        self._clock = clock
        self._owns = owns
        self._thread = thread

    @property
    def clock(self) -> Clock:
        """The clock its waits run on."""
        return self._clock

    @property
    def waker(self) -> Waker:
        """The wake-ups of this storage's queues or streams (made on first use if given a
        factory)."""
        found = self._waker_or_factory
        if not isinstance(found, Waker):
            found = self._waker_or_factory = found()
        return found

    def change_version(self, arn: str) -> int:
        return self.waker.version(arn)

    def wait_for_change(self, arn: str, version: int, timeout: float) -> Awaitable[bool]:
        return self.waker.wait(arn, version, timeout, self._clock)

    async def aclose(self) -> None:
        """Close an owned core, then stop its thread. Safe to call twice."""
        await self._close_core()
        self._stop_thread()

    async def _close_core(self) -> None:
        if self._owns:
            self._owns = False
            await self._call(self.core.close)

    def _stop_thread(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.close()


async def open_on_thread(
    name: str, opener: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
) -> tuple[T, BrokerThread]:
    """A new broker thread called ``name`` and ``opener(*args, **kwargs)`` run on it (a core
    opening its file); the thread is stopped if the opener raises."""
    thread = BrokerThread(name=name)
    try:
        core = await thread.call(opener, *args, **kwargs)
    except BaseException:
        thread.close()
        raise
    return core, thread


async def call_inline(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """A :class:`BrokerCall` that runs ``fn`` on the loop itself (in-memory cores)."""
    return fn(*args, **kwargs)


def loop_waker() -> Waker:
    """A :class:`Waker` on the running loop (a factory for :class:`CoreCalls`)."""
    return Waker(asyncio.get_running_loop())
