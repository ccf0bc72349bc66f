"""The SQLite queue storage on its own broker thread, for callers without an engine.

:class:`SqliteQueueStorage` opens a :class:`~headrace.broker.queue_broker.QueueBroker` on a
private :class:`~headrace.broker.thread.BrokerThread` and serves it as a
:class:`~headrace.broker.storage_seam.QueueStorage`: the CLI's ``send`` and ``dlq``, and the
conformance suite. ``headrace run`` uses the same storage class through
:class:`~headrace.broker.embedded.EmbeddedBroker`, which shares its thread with the rest of
the broker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

from headrace.broker.core_calls import open_on_thread
from headrace.broker.queue_broker import QueueBroker
from headrace.broker.queue_storage_thread import ThreadedQueueStorage
from headrace.broker.thread import BrokerThread
from headrace.broker.wake import Waker
from headrace.clock import Clock, SystemClock
from headrace.config.model import QueueConfig


class SqliteQueueStorage(ThreadedQueueStorage):
    """A broker file's queues behind the seam; open with :meth:`open`, close with ``aclose``."""

    def __init__(self, core: QueueBroker, thread: BrokerThread, waker: Waker, clock: Clock) -> None:
        super().__init__(core, call=thread.call, waker=waker, clock=clock, owns=True, thread=thread)

    @classmethod
    async def open(
        cls,
        path: Path,
        queues: Mapping[str, QueueConfig],
        *,
        region: str,
        account: str,
        clock: Clock | None = None,
        wake_other_processes: bool = False,
    ) -> SqliteQueueStorage:
        """Open ``path`` (created if missing) on a new broker thread.

        Changes wake this storage's own waiters; ``wake_other_processes`` instead sends
        the wake-up datagram to the ``headrace run`` of ``path``'s folder (the CLI).
        """
        clock = clock or SystemClock()
        waker = Waker(asyncio.get_running_loop())
        core, thread = await open_on_thread(
            "headrace-broker",
            QueueBroker,
            path,
            queues,
            region=region,
            account=account,
            clock=clock,
            notify=None if wake_other_processes else waker.notify_threadsafe,
        )
        return cls(core, thread, waker, clock)
