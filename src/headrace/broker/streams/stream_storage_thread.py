"""A :class:`StreamBroker` behind the async ``StreamStorage`` seam (``stream_seam.py``).

:class:`ThreadedStreamStorage` runs each call on the streams' broker thread (one hop, as
before the seam) and takes wake-ups from a :class:`~headrace.broker.wake.Waker` fed by the
broker's notifications. :meth:`ThreadedStreamStorage.open` opens a file on a private thread
(the CLI, tests); ``headrace run`` builds one over :class:`EmbeddedStreams`' thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from headrace.broker.core_calls import CoreCalls, open_on_thread
from headrace.broker.streams.stream_broker import StreamBroker
from headrace.broker.streams.stream_results import (
    GetRecordsResult,
    PutRecordsEntry,
    PutRecordsResult,
    PutResult,
    ShardInfo,
    ShardTip,
    StreamBrokerStatistics,
    StreamSummary,
    UpdateShardCountResult,
)
from headrace.broker.streams.stream_seam import ShardBatch
from headrace.broker.wake import Waker
from headrace.clock import Clock, SystemClock
from headrace.config.resources import StreamConfig


class StreamCore(Protocol):
    """The synchronous operations a stream backend's core provides (see ``StreamBroker``)."""

    @property
    def stream_names(self) -> list[str]: ...
    def create_stream(self, name: str, config: StreamConfig) -> StreamSummary: ...
    def delete_stream(self, stream: str) -> None: ...
    def attach_stream(self, config: StreamConfig) -> None: ...
    def stream_arn(self, stream: str) -> str: ...
    def stream_summary(self, stream: str) -> StreamSummary: ...
    def list_shards(self, stream: str) -> list[ShardInfo]: ...
    def update_shard_count(self, stream: str, target: int) -> UpdateShardCountResult: ...
    def trim(self, now: float | None = None) -> int: ...
    def put_record(
        self,
        stream: str,
        data: bytes,
        partition_key: str,
        *,
        explicit_hash_key: str | None = None,
        sequence_number_for_ordering: str | None = None,
    ) -> PutResult: ...
    def put_records(self, stream: str, entries: Sequence[PutRecordsEntry]) -> PutRecordsResult: ...
    def get_shard_iterator(
        self,
        stream: str,
        shard_id: str,
        iterator_type: str,
        *,
        starting_sequence_number: str | None = None,
        timestamp: float | None = None,
    ) -> str: ...
    def get_records(self, iterator: str, limit: int = ...) -> GetRecordsResult: ...
    def tip(self, stream: str, shard_id: str) -> ShardTip: ...
    def has_records_after(
        self, stream: str, shard_id: str, sequence_number: str | None
    ) -> bool: ...
    def statistics(self) -> StreamBrokerStatistics: ...
    def close(self) -> None: ...


class ThreadedStreamStorage(CoreCalls[StreamCore]):
    """The streams of one :class:`StreamCore`, each call run through ``call``.

    ``owns`` closes the core (and stops ``thread``, if given) on :meth:`aclose`: a storage
    made by :meth:`open`; the engine's :class:`EmbeddedStreams` closes its own. ``waker``
    may be a factory, called on first use (in-memory cores made outside a loop).
    """

    @classmethod
    async def open(
        cls,
        path: Path,
        streams: Mapping[str, StreamConfig],
        *,
        region: str,
        account: str,
        clock: Clock | None = None,
        wake_other_processes: bool = False,
        iterator_ttl: float | None = None,
    ) -> ThreadedStreamStorage:
        """Open ``path`` on a new broker thread. Changes wake this storage's waiters, or with
        ``wake_other_processes`` the ``headrace run`` of ``path``'s folder (the CLI)."""
        clock = clock or SystemClock()
        waker = Waker(asyncio.get_running_loop())
        broker, thread = await open_on_thread(
            "headrace-streams",
            StreamBroker,
            path,
            streams,
            region=region,
            account=account,
            clock=clock,
            notify=None if wake_other_processes else waker.notify_threadsafe,
            iterator_ttl=iterator_ttl,
        )
        return cls(broker, call=thread.call, waker=waker, clock=clock, owns=True, thread=thread)

    # -- streams --------------------------------------------------------------------

    def create_stream(self, name: str, config: StreamConfig) -> Awaitable[StreamSummary]:
        return self._call(self.core.create_stream, name, config)

    def delete_stream(self, stream: str) -> Awaitable[None]:
        return self._call(self.core.delete_stream, stream)

    def list_streams(self) -> Awaitable[list[str]]:
        return self._call(_names, self.core)

    def stream_arn(self, stream: str) -> str:
        return self.core.stream_arn(stream)

    def describe_stream_summary(self, stream: str) -> Awaitable[StreamSummary]:
        return self._call(self.core.stream_summary, stream)

    def list_shards(self, stream: str) -> Awaitable[list[ShardInfo]]:
        return self._call(self.core.list_shards, stream)

    def update_shard_count(self, stream: str, target: int) -> Awaitable[UpdateShardCountResult]:
        return self._call(self.core.update_shard_count, stream, target)

    def trim(self) -> Awaitable[int]:
        return self._call(self.core.trim)

    # -- records --------------------------------------------------------------------

    def put_record(
        self,
        stream: str,
        data: bytes,
        partition_key: str,
        *,
        explicit_hash_key: str | None = None,
        sequence_number_for_ordering: str | None = None,
    ) -> Awaitable[PutResult]:
        return self._call(
            self.core.put_record,
            stream,
            data,
            partition_key,
            explicit_hash_key=explicit_hash_key,
            sequence_number_for_ordering=sequence_number_for_ordering,
        )

    def put_records(
        self, stream: str, entries: Sequence[PutRecordsEntry]
    ) -> Awaitable[PutRecordsResult]:
        return self._call(self.core.put_records, stream, entries)

    def get_shard_iterator(
        self,
        stream: str,
        shard_id: str,
        iterator_type: str,
        *,
        starting_sequence_number: str | None = None,
        timestamp: float | None = None,
    ) -> Awaitable[str]:
        return self._call(
            self.core.get_shard_iterator,
            stream,
            shard_id,
            iterator_type,
            starting_sequence_number=starting_sequence_number,
            timestamp=timestamp,
        )

    def get_records(self, iterator: str, limit: int) -> Awaitable[GetRecordsResult]:
        return self._call(self.core.get_records, iterator, limit)

    def read_shard(self, stream: str, iterator: str, limit: int) -> Awaitable[ShardBatch]:
        return self._call(_read, self.core, stream, iterator, limit)

    def shard_tip(self, stream: str, shard_id: str) -> Awaitable[ShardTip]:
        return self._call(self.core.tip, stream, shard_id)

    def has_records_after(
        self, stream: str, shard_id: str, sequence_number: str | None
    ) -> Awaitable[bool]:
        return self._call(self.core.has_records_after, stream, shard_id, sequence_number)

    # -- lifecycle ------------------------------------------------------------------

    def statistics(self) -> StreamBrokerStatistics:
        return self.core.statistics()


def _names(broker: StreamCore) -> list[str]:
    return broker.stream_names


def _read(broker: StreamCore, stream: str, iterator: str, limit: int) -> ShardBatch:
    """GetRecords, and whether it reached the tip, in one call on the broker thread."""
    result = broker.get_records(iterator, limit)
    records = result.records
    at_tip = result.millis_behind_latest == 0 and (
        not records
        or not broker.has_records_after(stream, records[-1].shard_id, records[-1].sequence_number)
    )
    return ShardBatch(records, result.next_shard_iterator, result.millis_behind_latest, at_tip)
