"""What the engine sees of a source: a narrow core plus capabilities a kind declares.

Every source has the **core** (:class:`SourceCore`): receive a batch, settle it with its
successes and failures, close. What only some kinds have is a **capability**, a small
``runtime_checkable`` Protocol the engine asks about with ``isinstance`` once, when it
builds a mapping (never per message):

* :class:`Visibility` — received items stay hidden for a timeout set at receive (§4.1.5)
  and changed later (SQS; a RabbitMQ or Redis Streams kind would map it to its redelivery).
  A queue mapping over a source without it tells the source about failures instead.
* :class:`ReadyWait` — wait, without receiving, until an item may be receivable: a lane
  waits there before it reserves a worker. Without it a lane pauses between empty polls.
* :class:`GroupOrder` — FIFO message groups the engine keeps in order on failures.
* :class:`ConcurrentSettle` — a settle may run alongside the lane's next receive (the
  embedded queue then joins both into one storage ``exchange``; see ``combining.py``).
* :class:`Deletes` — settling a success deletes by receipt handle (SQS).
* :class:`QueueDepthReport` — how many items wait (``status``, ``--until-drained``).
* :class:`OrderedShards` — shards read in order through iterators (Kinesis, DynamoDB
  Streams, embedded streams; Kafka partitions would fit).
* :class:`CheckpointPositions` — positions a checkpoint can resume after.

The queue engine takes any :class:`SourceCore`; :class:`QueueSource` is the SQS-shaped
source (core plus every queue capability) the SQS-shaped kinds open. The stream engine
takes a :class:`StreamSource` (ordered shards with checkpoint positions).
:func:`capabilities` names what a source has. The engine (``headrace.esm``) imports only
this module; concrete sources are chosen by their kinds (:mod:`headrace.sources.kinds`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from headrace.events import QueueMessage, StreamRecord
from headrace.statistics import QueueDepth


@dataclass(frozen=True, slots=True)
class Settlement:
    """How a batch ended: the items to forget and the items to see again (§4.1, §4.2)."""

    succeeded: Sequence[QueueMessage]
    failed: Sequence[QueueMessage] = ()


@runtime_checkable
class SourceCore(Protocol):
    """What every source kind has, however its broker works."""

    @property
    def arn(self) -> str: ...

    async def receive_batch(self, max_items: int, *, wait_seconds: float) -> list[QueueMessage]:
        """Up to ``max_items``, waiting up to ``wait_seconds`` for the first (empty: none)."""
        ...

    async def settle(self, settlement: Settlement) -> int:
        """Finish a batch: successes are gone for good; failures come back (the kind's
        own redelivery rule: visibility timeout, nack, ...). Returns how many successes
        were settled (a stale one, received again meanwhile, is not counted)."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class Visibility(Protocol):
    """Received items stay invisible for a timeout the engine can change (§4.1.5)."""

    @property
    def visibility_timeout(self) -> int:
        """The queue's default visibility timeout, seconds."""
        ...

    async def receive(
        self, max_messages: int, *, wait_seconds: float, visibility_timeout: int | None = None
    ) -> list[QueueMessage]:
        """Receive up to ``max_messages``; wait up to ``wait_seconds`` for the first one.

        Received messages stay hidden for ``visibility_timeout`` (None: the queue's).
        Returns as soon as at least one message is available (long polling); an empty list
        means the wait ran out. Messages that exhausted their receives are moved to the
        dead-letter queue by the source, never returned.
        """
        ...

    async def change_visibility(self, messages: Sequence[QueueMessage], timeout: int) -> None:
        """Set the remaining visibility timeout of in-flight messages (0 = visible now)."""
        ...


@runtime_checkable
class Deletes(Protocol):
    """A success is settled by deleting it by receipt handle."""

    async def delete(self, messages: Sequence[QueueMessage]) -> int:
        """Delete messages by receipt handle; return how many were deleted.

        A message whose receipt handle is stale (it was received again since) is not
        deleted and not counted.
        """
        ...


@runtime_checkable
class QueueDepthReport(Protocol):
    """How many items the source holds now."""

    async def depth(self) -> QueueDepth: ...


@runtime_checkable
class ReadyWait(Protocol):
    """Waiting for work without receiving it, so waiting costs no receive counts."""

    async def wait_visible(self, timeout: float) -> bool:
        """Wait until the queue may have a visible message, or ``timeout`` seconds pass.

        Returns True when a message may be visible (a hint: a receive can still come back
        empty), False when the wait ran out. Receives nothing: pollers wait here, reserve
        a worker, and only then receive.
        """
        ...


@runtime_checkable
class GroupOrder(Protocol):
    """Messages may belong to ordered groups (SQS FIFO, §3.5.8): the engine keeps a
    group's later messages when an earlier one fails."""

    @property
    def fifo(self) -> bool: ...


@runtime_checkable
class ConcurrentSettle(Protocol):
    """A settle may run while the same lane's next receive runs.

    The queue engine then starts a batch's settle without awaiting it and awaits it after
    the lane's next receive: the embedded queue joins both into one storage call (its
    ``exchange``), real SQS overlaps two requests. Without it the engine settles a batch
    before it receives again.
    """

    @property
    def concurrent_settles(self) -> bool: ...


class QueueSource(
    SourceCore,
    Visibility,
    ReadyWait,
    GroupOrder,
    ConcurrentSettle,
    Deletes,
    QueueDepthReport,
    Protocol,
):
    """A queue with SQS semantics (embedded, real SQS, in memory): the core and every
    queue capability."""


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


@runtime_checkable
class OrderedShards(Protocol):
    """Shards read in order through iterators (§5.5, §7.1).

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

    async def aclose(self) -> None: ...


@runtime_checkable
class CheckpointPositions(Protocol):
    """Positions in a shard that a checkpoint can store and resume after."""

    async def latest_sequence_number(self, shard_id: str) -> str | None:
        """The sequence number of the shard's newest record (None: it holds none): where a
        LATEST start begins, stored so a restart does not skip what was put meanwhile."""
        ...

    async def has_records_after(self, shard_id: str, sequence_number: str | None) -> bool:
        """Whether the shard holds a record after ``sequence_number`` (None: any record)."""
        ...


class StreamSource(OrderedShards, CheckpointPositions, Protocol):
    """A stream with Kinesis semantics (Kinesis itself, DynamoDB Streams, embedded
    streams), as the stream engine reads it: ordered shards with checkpoint positions."""


# Capability names, as :func:`capabilities` reports them.
CAPABILITIES: tuple[tuple[str, type], ...] = (
    ("core", SourceCore),
    ("visibility", Visibility),
    ("ready-wait", ReadyWait),
    ("group-order", GroupOrder),
    ("concurrent-settle", ConcurrentSettle),
    ("deletes", Deletes),
    ("depth", QueueDepthReport),
    ("ordered-shards", OrderedShards),
    ("checkpoint-positions", CheckpointPositions),
)


def capabilities(source: object) -> frozenset[str]:
    """The capabilities ``source`` has (by its members; signatures are mypy's to check)."""
    return frozenset(name for name, protocol in CAPABILITIES if isinstance(source, protocol))
