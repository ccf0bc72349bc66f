"""The stream storage seam: every embedded-stream operation, as one async Protocol.

:class:`StreamStorage` is what the embedded stream source and the CLI call; a storage
backend implements it and passes
:mod:`headrace.testing.conformance.stream_conformance`. The SQLite backend is
:class:`~headrace.broker.streams.stream_storage_thread.ThreadedStreamStorage` over
:class:`~headrace.broker.streams.stream_broker.StreamBroker`, one broker-thread hop per call
as before the seam. Members return awaitables (a backend may hand back its thread's
future); streams are named by name or ARN; errors are Kinesis's (:mod:`headrace.errors`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Protocol

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
from headrace.config.resources import StreamConfig
from headrace.events import StreamRecord


@dataclass(frozen=True, slots=True)
class ShardBatch:
    """One read for a shard poller: GetRecords plus whether it reached the shard's tip.

    ``at_tip`` is what ``millis_behind_latest == 0`` alone cannot say (it is 0 also when
    the next record arrived this millisecond).
    """

    records: Sequence[StreamRecord]
    next_shard_iterator: str | None
    millis_behind_latest: int
    at_tip: bool


class StreamStorage(Protocol):
    """Streams with Kinesis's semantics: shards by hash range, sequence numbers, iterators."""

    # -- streams --------------------------------------------------------------------

    def create_stream(self, name: str, config: StreamConfig) -> Awaitable[StreamSummary]:
        """CreateStream: ``config.shard_count`` even shards; the existing one if declared.
        Kept (a backend with a file: across reopenings) until :meth:`delete_stream`."""
        ...

    def delete_stream(self, stream: str) -> Awaitable[None]:
        """DeleteStream, at once: the stream, its shards and records; its iterators fail."""
        ...

    def list_streams(self) -> Awaitable[list[str]]:
        """The declared streams' names."""
        ...

    def stream_arn(self, stream: str) -> str:
        """A declared stream's ARN (from the catalog loaded at open; no storage call)."""
        ...

    def describe_stream_summary(self, stream: str) -> Awaitable[StreamSummary]:
        """DescribeStreamSummary: retention, creation time, shard counts."""
        ...

    def list_shards(self, stream: str) -> Awaitable[list[ShardInfo]]:
        """ListShards: every shard still kept (open, and closed within retention)."""
        ...

    def update_shard_count(self, stream: str, target: int) -> Awaitable[UpdateShardCountResult]:
        """UpdateShardCount (UNIFORM_SCALING): splits and merges, children naming parents."""
        ...

    def trim(self) -> Awaitable[int]:
        """Apply retention now: delete records past their stream's period; return how many."""
        ...

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
        """PutRecord: into the shard whose hash range holds the key; its sequence number."""
        ...

    def put_records(
        self, stream: str, entries: Sequence[PutRecordsEntry]
    ) -> Awaitable[PutRecordsResult]:
        """PutRecords: up to 500 records, each routed by its own key."""
        ...

    def get_shard_iterator(
        self,
        stream: str,
        shard_id: str,
        iterator_type: str,
        *,
        starting_sequence_number: str | None = None,
        timestamp: float | None = None,
    ) -> Awaitable[str]:
        """GetShardIterator: TRIM_HORIZON, LATEST, AT_/AFTER_SEQUENCE_NUMBER, AT_TIMESTAMP."""
        ...

    def get_records(self, iterator: str, limit: int) -> Awaitable[GetRecordsResult]:
        """GetRecords: up to ``limit`` records after the iterator, in shard order."""
        ...

    def read_shard(self, stream: str, iterator: str, limit: int) -> Awaitable[ShardBatch]:
        """GetRecords and the tip check as one storage call (a shard poller's hot path)."""
        ...

    def shard_tip(self, stream: str, shard_id: str) -> Awaitable[ShardTip]:
        """A shard's newest unexpired record and whether the shard is closed."""
        ...

    def has_records_after(
        self, stream: str, shard_id: str, sequence_number: str | None
    ) -> Awaitable[bool]:
        """Whether the shard holds unexpired records after ``sequence_number`` (None: any)."""
        ...

    # -- waiting --------------------------------------------------------------------

    def change_version(self, stream_arn: str) -> int:
        """A counter of the puts and reshards of the stream ``stream_arn`` names."""
        ...

    def wait_for_change(self, stream_arn: str, version: int, timeout: float) -> Awaitable[bool]:
        """Wait for a change after ``version`` (True) or ``timeout`` seconds (False)."""
        ...

    # -- lifecycle ------------------------------------------------------------------

    def statistics(self) -> StreamBrokerStatistics:
        """What the storage did since it opened (this process only)."""
        ...

    async def aclose(self) -> None:
        """Release what the storage holds."""
        ...
