"""In-memory stream storage for tests: :class:`MemoryStreamStorage`.

A :class:`~headrace.broker.streams.stream_seam.StreamStorage` with the embedded streams'
semantics (hash-range shards, sequence numbers, iterators, retention, resharding lineage)
and nothing on disk. It passes the same conformance suite as the SQLite backend
(:mod:`headrace.testing.conformance.stream_conformance`)::

    storage = MemoryStreamStorage({"clicks": StreamConfig(name="clicks")}, clock=FakeClock())
    await storage.put_record("clicks", b"hello", "key")
"""

from __future__ import annotations

from collections.abc import Mapping

from headrace.broker.core_calls import call_inline, loop_waker
from headrace.broker.streams.stream_storage_thread import ThreadedStreamStorage
from headrace.clock import Clock, SystemClock
from headrace.config.resources import StreamConfig
from headrace.testing.memory_queue_storage import DEFAULT_ACCOUNT, DEFAULT_REGION
from headrace.testing.memory_stream_storage_core import MemoryStreamCore


class MemoryStreamStorage(ThreadedStreamStorage):
    """Streams in memory; every call runs inline on the event loop (no thread)."""

    def __init__(
        self,
        streams: Mapping[str, StreamConfig] | None = None,
        *,
        region: str = DEFAULT_REGION,
        account: str = DEFAULT_ACCOUNT,
        clock: Clock | None = None,
        iterator_ttl: float | None = None,
    ) -> None:
        clock = clock or SystemClock()
        core = MemoryStreamCore(
            streams or {},
            region=region,
            account=account,
            clock=clock,
            notify=self._notify,
            iterator_ttl=iterator_ttl,
        )
        super().__init__(core, call=call_inline, waker=loop_waker, clock=clock, owns=True)

    def _notify(self, stream_arn: str) -> None:
        # Called inside a storage call, so on the loop: the waker can be made here.
        self.waker.notify(stream_arn)
