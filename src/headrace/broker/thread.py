"""The broker thread: runs every blocking call to the broker file, one at a time, in order.

Leaner than ``loop.run_in_executor``: a call is one queue put and one
``call_soon_threadsafe`` back, which matters when the engine receives and deletes batches of
10 at tens of thousands of messages a second. One thread suffices because SQLite takes one
writer at a time anyway; it also keeps the connection's lock uncontended.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import queue
import threading
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_Call = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[[], Any]]


class BrokerThread:
    """A thread that runs calls submitted from event loops and resolves their futures.

    A call whose future was cancelled still runs to completion (the broker's work is one
    transaction that cannot be interrupted); its result is dropped.
    """

    def __init__(self, name: str = "headrace-broker") -> None:
        self._calls: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> asyncio.Future[T]:
        """Queue ``fn(*args, **kwargs)``; the future resolves on the calling loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._calls.put((loop, future, functools.partial(fn, *args, **kwargs)))
        return future

    def close(self) -> None:
        """Finish the queued calls, then stop the thread (waits for it)."""
        self._calls.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (item := self._calls.get()) is not None:
            loop, future, fn = item
            try:
                result = fn()
            except BaseException as exc:  # delivered to the caller, whatever it is
                _deliver(loop, future, None, exc)
            else:
                _deliver(loop, future, result, None)


def _deliver(
    loop: asyncio.AbstractEventLoop,
    future: asyncio.Future[Any],
    result: Any,
    error: BaseException | None,
) -> None:
    with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting
        loop.call_soon_threadsafe(_resolve, future, result, error)


def _resolve(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return  # the caller was cancelled
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
