"""The embedded broker of one data_dir, as ``headrace run`` holds it.

:class:`EmbeddedBroker` owns the :class:`~headrace.broker.queue_broker.QueueBroker` (opened on the
broker thread, :mod:`headrace.broker.thread`, where every call to it runs), the
:class:`~headrace.broker.wake.Waker` and the wake-up socket listener; it serves the queues
through the ``QueueStorage`` seam (:attr:`EmbeddedBroker.storage`). It is storage only: the
engine's source over a queue is built by the sources
(:func:`headrace.sources.embedded_queue.open_embedded_queue`)::

    async with EmbeddedBroker(data_dir, config.queues, region=..., account=...) as broker:
        source = open_embedded_queue(broker, queue_arn)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import ParamSpec, TypeVar

from headrace.broker.datadir import EngineLock
from headrace.broker.queue_broker import QueueBroker
from headrace.broker.queue_results import BrokerStatistics
from headrace.broker.queue_storage_thread import ThreadedQueueStorage
from headrace.broker.thread import BrokerThread
from headrace.broker.wake import Waker, WakerStatistics
from headrace.broker.wake_socket import WakeListener, wake_address
from headrace.clock import Clock, SystemClock
from headrace.config.model import QueueConfig
from headrace.errors import BrokerError

P = ParamSpec("P")
T = TypeVar("T")

# The broker file's name inside data_dir.
BROKER_FILE_NAME = "broker.sqlite3"


@dataclass(frozen=True, slots=True)
class EmbeddedBrokerStatistics:
    """The queue broker's counters and the wake-ups it delivered."""

    queues: BrokerStatistics
    wake: WakerStatistics


class EmbeddedBroker:
    """The embedded queues of ``data_dir`` with their wake-ups; use ``async with``.

    Started, it is the data_dir's engine: it holds the data_dir's engine lock
    (:class:`~headrace.broker.datadir.EngineLock`) until closed, and listens on the wake-up
    socket. ``listen=False`` does neither (tests that share a data_dir with an engine; other
    processes' sends then wake nobody here, in-process sends still do). Starting raises
    :class:`~headrace.errors.DataDirInUse` if another engine holds the data_dir, and
    :class:`~headrace.errors.BrokerError` if the file cannot be opened.
    """

    def __init__(
        self,
        data_dir: Path,
        queues: Mapping[str, QueueConfig],
        *,
        region: str,
        account: str,
        clock: Clock | None = None,
        listen: bool = True,
    ) -> None:
        self.data_dir = data_dir
        self._configs = dict(queues)
        self._region = region
        self._account = account
        self._clock = clock or SystemClock()
        self._listen = listen
        self._thread: BrokerThread | None = None
        self._queues: QueueBroker | None = None
        self._storage: ThreadedQueueStorage | None = None
        self._waker: Waker | None = None
        self._listener: WakeListener | None = None
        self._engine_lock: EngineLock | None = None

    async def __aenter__(self) -> EmbeddedBroker:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def start(self) -> None:
        """Take the engine lock, open the broker file on the broker thread, and start
        listening for wake-ups."""
        loop = asyncio.get_running_loop()
        self._waker = Waker(loop)
        if self._listen:
            self._engine_lock = EngineLock(self.data_dir)
            self._engine_lock.acquire()
        self._thread = BrokerThread()
        try:
            self._queues = await self.call(
                QueueBroker,
                self.data_dir / BROKER_FILE_NAME,
                self._configs,
                region=self._region,
                account=self._account,
                clock=self._clock,
                notify=self._waker.notify_threadsafe,
            )
            self._storage = ThreadedQueueStorage(
                self._queues, call=self.call, waker=self._waker, clock=self._clock
            )
            if self._listen:
                address = wake_address(self.data_dir)
                self._listener = WakeListener(address, self._waker.notify, loop)
                self._listener.start()
        except BaseException:
            await self.aclose()
            raise

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def queues(self) -> QueueBroker:
        """The synchronous queue broker; call it through :meth:`call` from async code."""
        if self._queues is None:
            raise BrokerError("the embedded broker is not started (use `async with`)")
        return self._queues

    @property
    def storage(self) -> ThreadedQueueStorage:
        """The queues as :class:`~headrace.broker.storage_seam.QueueStorage` (async)."""
        if self._storage is None:
            raise BrokerError("the embedded broker is not started (use `async with`)")
        return self._storage

    @property
    def waker(self) -> Waker:
        """Per-ARN wake-ups, for sources that wait on embedded resources."""
        if self._waker is None:
            raise BrokerError("the embedded broker is not started (use `async with`)")
        return self._waker

    def call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> asyncio.Future[T]:
        """Run ``fn(*args, **kwargs)`` on the broker thread; await the result."""
        if self._thread is None:
            raise BrokerError("the embedded broker is not started (use `async with`)")
        return self._thread.call(fn, *args, **kwargs)

    def statistics(self) -> EmbeddedBrokerStatistics:
        return EmbeddedBrokerStatistics(self.queues.statistics(), self.waker.statistics())

    async def aclose(self) -> None:
        """Stop listening, close the file and the broker thread, then give the engine lock
        up. Safe to call twice."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        self._storage = None
        if self._queues is not None:
            await self.call(self._queues.close)
            self._queues = None
        if self._thread is not None:
            self._thread.close()
            self._thread = None
        if self._engine_lock is not None:
            self._engine_lock.release()
            self._engine_lock = None
