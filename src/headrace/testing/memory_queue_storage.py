"""In-memory queue storage for tests: :class:`MemoryQueueStorage`.

A :class:`~headrace.broker.storage_seam.QueueStorage` with the embedded broker's semantics
(visibility timeouts on the injected clock, FIFO groups, the 5-minute deduplication window,
maxReceiveCount redrive) and nothing on disk. It passes the same conformance suite as the
SQLite backend (:mod:`headrace.testing.conformance.queue_conformance`). Use it in your own
tests::

    storage = MemoryQueueStorage({"orders": QueueConfig(name="orders")}, clock=FakeClock())
    await storage.send_message("orders", "hello")
"""

from __future__ import annotations

from collections.abc import Mapping

from headrace.broker.core_calls import call_inline, loop_waker
from headrace.broker.queue_storage_thread import ThreadedQueueStorage
from headrace.clock import Clock, SystemClock
from headrace.config.model import QueueConfig
from headrace.testing.memory_queue_storage_core import MemoryQueueCore

# The region and account an in-memory storage's queue ARNs use unless told otherwise.
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "000000000000"


class MemoryQueueStorage(ThreadedQueueStorage):
    """Queues in memory; every call runs inline on the event loop (no thread)."""

    def __init__(
        self,
        queues: Mapping[str, QueueConfig] | None = None,
        *,
        region: str = DEFAULT_REGION,
        account: str = DEFAULT_ACCOUNT,
        clock: Clock | None = None,
    ) -> None:
        clock = clock or SystemClock()
        core = MemoryQueueCore(
            queues or {}, region=region, account=account, clock=clock, notify=self._notify
        )
        super().__init__(core, call=call_inline, waker=loop_waker, clock=clock, owns=True)

    def _notify(self, queue_arn: str) -> None:
        # Called inside a storage call, so on the loop: the waker can be made here.
        self.waker.notify(queue_arn)
