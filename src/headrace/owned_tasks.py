"""Background work a resource starts and must see finished before it closes.

``asyncio.TaskGroup`` needs one ``async with`` around its tasks' whole life, inside one
task. A source is opened by one task (a create, the start of a run) and closed by another
(the engine's delete, the end of the run), so it cannot hold a TaskGroup open; it holds an
:class:`OwnedTasks` instead, the same discipline: every task or future it starts is kept
until done, and :meth:`OwnedTasks.aclose` waits for (or cancels) what is left, so nothing it
started outlives it (issue 9: every task in a group).

It is cheap enough for a per-batch call: one set insert, finished entries dropped in bulk
now and then; a future (a broker thread's answer) is tracked as it is, without a task of
its own.

:func:`cancel_and_wait` is the one way to end a helper task a coroutine started and must
see finished: the caller's own cancellation is never taken for the helper's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Collection
from typing import Any, TypeVar

T = TypeVar("T")

# Finished entries are dropped when this many are kept: memory stays bounded by the work
# in flight plus this, at the cost of one scan per PRUNE_AT calls.
PRUNE_AT = 64


class OwnedTasks:
    """The tasks and futures one resource started and has not seen finish."""

    __slots__ = ("_closed", "_running")

    def __init__(self) -> None:
        self._running: set[asyncio.Future[Any]] = set()
        self._closed = False

    def spawn(self, work: Awaitable[T], *, name: str | None = None) -> asyncio.Future[T]:
        """Run ``work`` (a coroutine becomes a task; a future is kept as it is).

        Raises RuntimeError once closed: the owner is gone, nothing new may start.
        """
        if self._closed:
            if asyncio.iscoroutine(work):
                work.close()  # never to run: no "never awaited" warning
            raise RuntimeError("closed: no new background work")
        future = asyncio.ensure_future(work)
        if name is not None and isinstance(future, asyncio.Task):
            future.set_name(name)
        running = self._running
        if len(running) >= PRUNE_AT:
            # Forget what finished now and then (no done callback per call: one costs
            # more than the rest of this method together).
            running = self._running = {f for f in running if not f.done()}
        running.add(future)
        return future

    @property
    def running(self) -> int:
        """How many of the started tasks and futures have not finished."""
        return sum(1 for f in self._running if not f.done())

    async def aclose(self, *, cancel: bool = False) -> None:
        """Refuse new work and wait until everything started has finished; ``cancel``
        cancels it first (a heartbeat that runs until stopped). Outcomes are the
        spawner's business (its done callbacks); this only waits."""
        self._closed = True
        while running := [f for f in self._running if not f.done()]:
            if cancel:
                for future in running:
                    future.cancel()
            await asyncio.wait(running)
        self._running.clear()


async def cancel_and_wait(tasks: Collection[asyncio.Future[Any]]) -> None:
    """Cancel ``tasks`` and wait until every one has finished.

    A task that failed (with anything but its cancellation) has its exception raised here,
    the first in ``tasks``' order, as awaiting it would. A cancellation of the caller always
    propagates, wherever it lands: the tasks are awaited through ``asyncio.wait``, which
    never raises their CancelledError, so the caller's own cannot be mistaken for theirs.
    (``task.cancel()`` then ``await task`` under ``suppress(CancelledError)`` swallows a
    cancel of the caller that arrives during the await: a delete of a real SQS mapping
    once hung on exactly that.) A cancelled caller leaves the tasks cancelled, maybe not
    yet finished.
    """
    if not tasks:
        return
    for task in tasks:
        task.cancel()
    await asyncio.wait(tasks)
    for task in tasks:
        if not task.cancelled() and (error := task.exception()) is not None:
            raise error
