"""An in-memory stream with Kinesis semantics, for engine tests and users' own tests.

It keeps what the stream engine relies on: shards with hash-key ranges, sequence numbers
increasing in put order, iterators of every start type, closed shards that end and name
their children's parents (split and merge), retention, and wake-ups when records are put.
Time comes from the injected clock, so tests drive retention and waits with a ``FakeClock``.
Not durable.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from headrace.broker.wake import Waker
from headrace.clock import Clock, SystemClock
from headrace.errors import InvalidArgumentException
from headrace.events import StreamRecord
from headrace.sources.source_seam import ShardRecords, StreamShard, StreamStart

# Hash keys are CRC-32 values of partition keys: the space every shard range divides.
HASH_SPACE = 2**32
# Width of the zero-padded sequence numbers: comparing them as text compares them as numbers.
SEQUENCE_DIGITS = 30


@dataclass(slots=True)
class _Shard:
    shard_id: str
    low: int  # hash keys [low, high)
    high: int
    parents: tuple[str, ...] = ()
    records: list[StreamRecord] = field(default_factory=list)
    closed: bool = False


class InMemoryStreamSource:
    """A stream in Python lists. ``put`` writes a record; the engine reads it as a source."""

    def __init__(
        self,
        arn: str,
        *,
        clock: Clock | None = None,
        shard_count: int = 1,
        retention_seconds: float | None = None,
    ) -> None:
        self._arn = arn
        self.clock = clock or SystemClock()
        self.retention_seconds = retention_seconds
        self._shards: dict[str, _Shard] = {}
        self._counter = 0
        self._waker: Waker | None = None
        self.get_records_calls = 0
        width = HASH_SPACE // shard_count
        for i in range(shard_count):
            high = HASH_SPACE if i == shard_count - 1 else (i + 1) * width
            self._add(i * width, high)

    @property
    def arn(self) -> str:
        return self._arn

    # -- writing (test side) --------------------------------------------------------------

    def put(self, data: bytes | str, partition_key: str) -> StreamRecord:
        """Store a record in the open shard whose range holds the key's hash."""
        payload = data.encode("utf-8") if isinstance(data, str) else data
        key = zlib.crc32(partition_key.encode("utf-8"))
        shard = next(s for s in self._shards.values() if not s.closed and s.low <= key < s.high)
        record = StreamRecord(
            sequence_number=self._next_sequence(),
            partition_key=partition_key,
            data=payload,
            approximate_arrival_timestamp=round(self.clock.time(), 3),
            shard_id=shard.shard_id,
        )
        shard.records.append(record)
        self._notify()
        return record

    def split(self, shard_id: str) -> tuple[str, str]:
        """Close a shard and open two children, each with half of its hash keys."""
        parent = self._close(shard_id)
        middle = (parent.low + parent.high) // 2
        left = self._add(parent.low, middle, (shard_id,))
        right = self._add(middle, parent.high, (shard_id,))
        self._notify()
        return left.shard_id, right.shard_id

    def merge(self, left_id: str, right_id: str) -> str:
        """Close two adjacent shards and open one child over both ranges."""
        left, right = self._close(left_id), self._close(right_id)
        child = self._add(min(left.low, right.low), max(left.high, right.high), (left_id, right_id))
        self._notify()
        return child.shard_id

    def records(self, shard_id: str) -> list[StreamRecord]:
        """Every record the shard holds, expired ones included."""
        return list(self._shards[shard_id].records)

    # -- StreamSource ---------------------------------------------------------------------

    async def list_shards(self) -> list[StreamShard]:
        return [StreamShard(s.shard_id, s.parents, s.closed) for s in self._shards.values()]

    async def iterator(self, shard_id: str, start: StreamStart) -> str:
        shard = self._shards[shard_id]
        records = shard.records
        if start.kind == "TRIM_HORIZON":
            position = 0
        elif start.kind == "LATEST":
            position = len(records)
        elif start.kind == "AT_TIMESTAMP":
            moment = start.timestamp or 0.0
            position = _first(records, lambda r: r.approximate_arrival_timestamp >= moment)
        elif start.kind == "AFTER_SEQUENCE_NUMBER":
            sequence = start.sequence_number
            if sequence is None or len(sequence) != SEQUENCE_DIGITS or not sequence.isdigit():
                raise InvalidArgumentException(f"Invalid StartingSequenceNumber {sequence}")
            after: str = sequence
            position = _first(records, lambda r: r.sequence_number > after)
        else:
            raise InvalidArgumentException(f"unknown iterator type {start.kind}")
        return f"{shard_id}|{position}"

    async def get_records(self, iterator: str, limit: int) -> ShardRecords:
        self.get_records_calls += 1
        shard_id, _, text = iterator.partition("|")
        shard = self._shards[shard_id]
        position = int(text)
        cutoff = self._cutoff()
        out: list[StreamRecord] = []
        while position < len(shard.records) and len(out) < limit:
            record = shard.records[position]
            position += 1
            if cutoff is None or record.approximate_arrival_timestamp > cutoff:
                out.append(record)
        at_tip = position >= len(shard.records)
        behind = 0
        if not at_tip:
            arrival = shard.records[position].approximate_arrival_timestamp
            behind = max(1, int((self.clock.time() - arrival) * 1000))
        following = None if at_tip and shard.closed else f"{shard_id}|{position}"
        return ShardRecords(out, following, behind, at_tip)

    def version(self) -> int:
        return self._wake().version(self._arn)

    async def wait_for_records(self, version: int, timeout: float) -> bool:
        return await self._wake().wait(self._arn, version, timeout, self.clock)

    async def latest_sequence_number(self, shard_id: str) -> str | None:
        records = self._shards[shard_id].records
        return records[-1].sequence_number if records else None

    async def has_records_after(self, shard_id: str, sequence_number: str | None) -> bool:
        cutoff = self._cutoff()
        return any(
            (sequence_number is None or r.sequence_number > sequence_number)
            and (cutoff is None or r.approximate_arrival_timestamp > cutoff)
            for r in self._shards[shard_id].records
        )

    async def aclose(self) -> None:
        """Nothing to release."""

    # -- internals ------------------------------------------------------------------------

    def _add(self, low: int, high: int, parents: tuple[str, ...] = ()) -> _Shard:
        shard = _Shard(f"shardId-{len(self._shards):012d}", low, high, parents)
        self._shards[shard.shard_id] = shard
        return shard

    def _close(self, shard_id: str) -> _Shard:
        shard = self._shards[shard_id]
        if shard.closed:
            raise InvalidArgumentException(f"{shard_id} is closed already")
        shard.closed = True
        return shard

    def _next_sequence(self) -> str:
        self._counter += 1
        return f"{self._counter:0{SEQUENCE_DIGITS}d}"

    def _cutoff(self) -> float | None:
        if self.retention_seconds is None:
            return None
        return self.clock.time() - self.retention_seconds

    def _wake(self) -> Waker:
        if self._waker is None:
            self._waker = Waker(asyncio.get_running_loop())
        return self._waker

    def _notify(self) -> None:
        if self._waker is not None:
            self._waker.notify(self._arn)


def _first(records: list[StreamRecord], wanted: Callable[[StreamRecord], bool]) -> int:
    """Index of the first record ``wanted(record)`` accepts, or the end."""
    for index, record in enumerate(records):
        if wanted(record):
            return index
    return len(records)
