"""What the engine sees of a source: the Protocols every concrete source implements.

The engine (``headrace.esm``) imports only this module; concrete sources (the embedded
broker, real SQS, ...) are chosen in one place from the config.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from headrace.events import QueueMessage, StreamRecord
from headrace.statistics import QueueDepth


class QueueSource(Protocol):
    """A queue with SQS semantics, as a mapping's poller reads it."""

    @property
    def arn(self) -> str: ...

    @property
    def fifo(self) -> bool: ...

    @property
    def visibility_timeout(self) -> int:
        """The queue's default visibility timeout, seconds."""
        ...

    async def wait_visible(self, timeout: float) -> bool:
        """Wait until the queue may have a visible message, or ``timeout`` seconds pass.

        Returns True when a message may be visible (a hint: a receive can still come back
        empty), False when the wait ran out. Receives nothing, so waiting costs no receive
        counts: pollers wait here, reserve a worker, and only then receive.
        """
        ...

    async def receive(
        self, max_messages: int, *, wait_seconds: float, visibility_timeout: int | None = None
    ) -> list[QueueMessage]:
        """Receive up to ``max_messages``; wait up to ``wait_seconds`` for the first one.

        Returns as soon as at least one message is available (long polling); an empty list
        means the wait ran out. Messages that exhausted their receives are moved to the
        dead-letter queue by the source, never returned.
        """
        ...

    async def delete(self, messages: Sequence[QueueMessage]) -> int:
        """Delete messages by receipt handle; return how many were deleted.

        A message whose receipt handle is stale (it was received again since) is not
        deleted and not counted.
        """
        ...

    async def change_visibility(self, messages: Sequence[QueueMessage], timeout: int) -> None:
        """Set the remaining visibility timeout of in-flight messages (0 = visible now)."""
        ...

    async def depth(self) -> QueueDepth:
        """How many messages the queue holds now."""
        ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class StreamShard:
    """One shard of a stream as a shard poller needs it (ListShards, §5.5).

    ``parent_shard_ids`` are the shards that must be read to their end before this one;
    ``closed`` is True once a reshard closed it (it ends at a last record).
    """

    shard_id: str
    parent_shard_ids: tuple[str, ...] = ()
    closed: bool = False


@dataclass(frozen=True, slots=True)
class StreamStart:
    """Where a shard iterator starts (GetShardIterator's ShardIteratorType, §7.1).

    ``kind`` is TRIM_HORIZON, LATEST, AT_TIMESTAMP (``timestamp``: epoch seconds) or
    AFTER_SEQUENCE_NUMBER (``sequence_number``: resume after a checkpoint).
    """

    kind: str
    sequence_number: str | None = None
    timestamp: float | None = None


@dataclass(frozen=True, slots=True)
class ShardRecords:
    """One GetRecords: records in shard order and where the next read starts.

    ``next_iterator`` is None once a closed shard has been read to its end;
    ``millis_behind_latest`` is how far the read is from the shard's tip (0 at the tip).
    """

    records: Sequence[StreamRecord]
    next_iterator: str | None
    millis_behind_latest: int
    at_tip: bool  # the read reached the newest record: a poller may now wait for more


class StreamSource(Protocol):
    """A stream with Kinesis semantics (Kinesis itself, DynamoDB Streams, embedded streams).

    Waiting is event-driven: a poller reads :meth:`version` before a read that found the
    tip, then :meth:`wait_for_records` with it; a put after the read makes the wait return
    at once, so no record is missed. A source whose iterators expire renews them itself.
    """

    @property
    def arn(self) -> str: ...

    async def list_shards(self) -> list[StreamShard]:
        """Every shard still kept (open, and closed within the retention period)."""
        ...

    async def iterator(self, shard_id: str, start: StreamStart) -> str:
        """A shard iterator at ``start``; raises the source's errors (e.g. a sequence
        number from another stream: InvalidArgumentException)."""
        ...

    async def get_records(self, iterator: str, limit: int) -> ShardRecords:
        """Up to ``limit`` records after the iterator's position, in shard order."""
        ...

    def version(self) -> int:
        """A counter that moves whenever the stream may have new records or shards."""
        ...

    async def wait_for_records(self, version: int, timeout: float) -> bool:
        """Wait until :meth:`version` moves past ``version`` (True) or ``timeout`` (False)."""
        ...

    async def latest_sequence_number(self, shard_id: str) -> str | None:
        """The sequence number of the shard's newest record (None: it holds none): where a
        LATEST start begins, stored so a restart does not skip what was put meanwhile."""
        ...

    async def has_records_after(self, shard_id: str, sequence_number: str | None) -> bool:
        """Whether the shard holds a record after ``sequence_number`` (None: any record)."""
        ...

    async def aclose(self) -> None: ...
