"""The in-memory stream core: Kinesis's semantics in lists, on the injected clock.

:class:`MemoryStreamCore` is the synchronous core behind
:class:`~headrace.testing.memory_stream_storage.MemoryStreamStorage`: it writes, reads,
trims and reshards the streams that :mod:`headrace.testing.memory_stream_shards` holds
(what the SQLite stream broker keeps in its tables), and reuses the broker's pure parts:
sequence numbers, hash routing, the resharding plan, iterator tokens and request checks.
Where a position is resolved or a shard read, it follows
:mod:`headrace.broker.streams.iterators` and :mod:`headrace.broker.streams.shard_scans`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from headrace.broker.streams import stream_validation
from headrace.broker.streams.hashing import Router
from headrace.broker.streams.iterators import IteratorRequest, ShardIterator, resolve_start
from headrace.broker.streams.resharding import plan_uniform_scaling
from headrace.broker.streams.sequence import sequence_number, shard_id
from headrace.broker.streams.shard_scans import MAX_GET_RECORDS_BYTES
from headrace.broker.streams.shards import Shard, from_plan
from headrace.broker.streams.stream_broker import (
    check_scaling,
    outgoing_entries,
    put_records_result,
    to_outgoing,
)
from headrace.broker.streams.stream_catalog import Stream
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
from headrace.broker.streams.stream_writing import Outgoing
from headrace.clock import Clock
from headrace.config.resources import StreamConfig
from headrace.errors import InvalidArgumentException
from headrace.events import StreamRecord
from headrace.testing.memory_stream_shards import HeldRecord, HeldStream, MemoryCatalog


@dataclass(slots=True)
class _Counts:
    records_put: int = 0
    records_read: int = 0
    get_records_calls: int = 0
    records_trimmed: int = 0
    shards_trimmed: int = 0
    reshards: int = 0


class MemoryStreamCore:
    """Declared streams held in memory; ``notify`` hears each stream ARN that changed."""

    def __init__(
        self,
        streams: Mapping[str, StreamConfig],
        *,
        region: str,
        account: str,
        clock: Clock,
        notify: Callable[[str], None],
        iterator_ttl: float | None = None,
    ) -> None:
        self._account = account
        self._clock = clock
        self._notify = notify
        self._iterator_ttl = iterator_ttl
        self._catalog = MemoryCatalog(region=region, account=account)
        self._counts = _Counts()
        for name, config in streams.items():
            self._catalog.declare_held(name, config, self._now())  # the config checked names

    # -- streams ----------------------------------------------------------------------

    @property
    def stream_names(self) -> list[str]:
        return self._catalog.names()

    def create_stream(self, name: str, config: StreamConfig) -> StreamSummary:
        stream_validation.check_stream_name(name)
        self._catalog.declare_held(name, config, self._now())
        return self.stream_summary(name)

    def attach_stream(self, config: StreamConfig) -> None:
        """Hold a table's change stream made by CreateTable (as ``StreamBroker``'s)."""
        self._catalog.declare_held(config.name, config, self._now())

    def delete_stream(self, stream: str) -> None:
        name = self._catalog.find(stream).stream.name
        arn = self._catalog.drop_held(name).stream.arn
        self._notify(arn)

    def stream_arn(self, stream: str) -> str:
        return self._catalog.get(stream).arn

    def stream_summary(self, stream: str) -> StreamSummary:
        held = self._find(stream)
        return held.stream.summary(list(held.shards.values()))

    def list_shards(self, stream: str) -> list[ShardInfo]:
        held = self._find(stream)
        return held.infos()

    def update_shard_count(self, stream: str, target: int) -> UpdateShardCountResult:
        stream_validation.check_target_shard_count(target)
        held = self._find(stream)
        open_shards = held.open_ranges()
        check_scaling(len(open_shards), target)
        now = self._now()
        plan = plan_uniform_scaling(
            open_shards, target, counter=held.counter, next_index=held.next_index
        )
        for index, end in plan.closed.items():
            held.shards[index] = held.shards[index].closed_with(end, now)
        for planned in plan.created:
            held.add(from_plan(planned, now))
        held.counter, held.next_index = plan.counter, plan.next_index
        self._counts.reshards += 1
        self._notify(held.stream.arn)
        return UpdateShardCountResult(
            stream_name=held.stream.name,
            stream_arn=held.stream.arn,
            current_shard_count=len(open_shards),
            target_shard_count=target,
        )

    def trim(self, now: float | None = None) -> int:
        millis = self._now() if now is None else int(now * 1000)
        deleted = 0
        for held in self._catalog.held.values():
            cutoff = held.stream.retention_cutoff(millis)
            for index, records in held.records.items():
                kept = [r for r in records if r.arrival > cutoff]
                deleted += len(records) - len(kept)
                held.records[index] = kept
            self._counts.shards_trimmed += held.forget_closed(cutoff)
        self._counts.records_trimmed += deleted
        return deleted

    # -- writing ----------------------------------------------------------------------

    def put_record(
        self,
        stream: str,
        data: bytes,
        partition_key: str,
        *,
        explicit_hash_key: str | None = None,
        sequence_number_for_ordering: str | None = None,
    ) -> PutResult:
        stream_validation.check_put_record(
            data, partition_key, explicit_hash_key, sequence_number_for_ordering
        )
        held = self._find(stream)
        if sequence_number_for_ordering is not None:
            stream_validation.check_ordering_number(
                sequence_number_for_ordering, held.stream.name, self._account
            )
        (result,) = self._put(held, [to_outgoing(data, partition_key, explicit_hash_key)])
        return result

    def put_records(self, stream: str, entries: Sequence[PutRecordsEntry]) -> PutRecordsResult:
        stream_validation.check_put_records(entries)
        held = self._find(stream)
        return put_records_result(self._put(held, outgoing_entries(entries)))

    def stream(self, stream: str) -> Stream:
        """The held stream a name or ARN names (for a table writing its change records)."""
        return self._catalog.get(stream)

    def append(self, stream: str, outgoing: list[Outgoing]) -> list[PutResult]:
        """Put checked records (data may depend on the sequence number: a change record)."""
        return self._put(self._find(stream), outgoing)

    def _put(self, held: HeldStream, records: list[Outgoing]) -> list[PutResult]:
        now = self._now()
        router = Router(held.open_ranges())
        results = []
        for record in records:
            held.counter += 1
            index = router.shard_for(record.hash_key)
            number = sequence_number(held.counter, index)
            data = record.data if isinstance(record.data, bytes) else record.data(number)
            held.records[index].append(HeldRecord(held.counter, now, record.partition_key, data))
            results.append(PutResult(shard_id(index), number))
        self._counts.records_put += len(results)
        self._notify(held.stream.arn)
        return results

    # -- reading ----------------------------------------------------------------------

    def get_shard_iterator(
        self,
        stream: str,
        shard_id: str,
        iterator_type: str,
        *,
        starting_sequence_number: str | None = None,
        timestamp: float | None = None,
    ) -> str:
        stream_validation.check_iterator_type(iterator_type)
        held = self._find(stream)
        shard = self._catalog.find_shard(held, shard_id)
        now = self._now()
        request = IteratorRequest(
            held.stream, shard, self._account, iterator_type, starting_sequence_number, timestamp
        )
        after = resolve_start(_Positions(held, shard.index), request, now)
        s = held.stream
        return ShardIterator(s.name, s.created_at, shard.index, after, now).encode()

    def get_records(
        self, iterator: str, limit: int = stream_validation.MAX_GET_RECORDS_LIMIT
    ) -> GetRecordsResult:
        stream_validation.check_limit(limit)
        position = ShardIterator.decode(iterator)
        now = self._now()
        position.check_fresh(now, self._iterator_ttl)
        held = self._find(position.stream_name)
        if held.stream.created_at != position.stream_created_at:
            raise InvalidArgumentException("Invalid ShardIterator.")
        shard = self._catalog.find_shard(held, str(position.shard_index))
        live = self._live(held, shard.index, position.after, now)
        taken: list[HeldRecord] = []
        size = 0
        for record in live[:limit]:
            size += len(record.data)
            if taken and size > MAX_GET_RECORDS_BYTES:
                break
            taken.append(record)
        after = taken[-1].counter if taken else position.after
        rest = live[len(taken) :]
        ended = shard.closed and not rest
        self._counts.get_records_calls += 1
        self._counts.records_read += len(taken)
        s = held.stream
        following = ShardIterator(s.name, s.created_at, shard.index, after, now)
        return GetRecordsResult(
            records=tuple(_record(r, shard) for r in taken),
            next_shard_iterator=None if ended else following.encode(),
            millis_behind_latest=max(0, now - rest[0].arrival) if rest else 0,
            child_shards=tuple(held.children(shard.index)) if ended else (),
        )

    def tip(self, stream: str, shard_id: str) -> ShardTip:
        held = self._find(stream)
        shard = self._catalog.find_shard(held, shard_id)
        live = self._live(held, shard.index, 0, self._now())
        newest = live[-1] if live else None
        return ShardTip(
            shard_id=shard.id,
            latest_sequence_number=(
                None if newest is None else sequence_number(newest.counter, shard.index)
            ),
            latest_arrival_timestamp=None if newest is None else newest.arrival / 1000,
            closed=shard.closed,
        )

    def has_records_after(self, stream: str, shard_id: str, sequence_number: str | None) -> bool:
        held = self._find(stream)
        after = 0
        if sequence_number is not None:
            after = stream_validation.sequence_counter(sequence_number, held.stream.name)
        shard = self._catalog.find_shard(held, shard_id)
        return bool(self._live(held, shard.index, after, self._now()))

    # -- lifecycle ---------------------------------------------------------------------

    def statistics(self) -> StreamBrokerStatistics:
        c = self._counts
        return StreamBrokerStatistics(
            c.records_put,
            c.records_read,
            c.get_records_calls,
            c.records_trimmed,
            c.shards_trimmed,
            c.reshards,
        )

    def close(self) -> None:
        """Nothing to release."""

    def _now(self) -> int:
        return int(self._clock.time() * 1000)

    def _find(self, stream: str) -> HeldStream:
        return self._catalog.find(stream)

    @staticmethod
    def _live(held: HeldStream, index: int, after: int, now: int) -> list[HeldRecord]:
        """The shard's unexpired records after counter ``after``, in order."""
        cutoff = held.stream.retention_cutoff(now)
        return [r for r in held.records.get(index, []) if r.counter > after and r.arrival > cutoff]


@dataclass(frozen=True, slots=True)
class _Positions:
    """What resolving an iterator's start reads, from a held stream."""

    held: HeldStream
    index: int

    def stream_counter(self) -> int:
        return self.held.counter

    def first_counter_at(self, millis: int) -> int | None:
        found = [r.counter for r in self.held.records.get(self.index, []) if r.arrival >= millis]
        return found[0] if found else None


def _record(record: HeldRecord, shard: Shard) -> StreamRecord:
    return StreamRecord(
        sequence_number=sequence_number(record.counter, shard.index),
        partition_key=record.partition_key,
        data=record.data,
        approximate_arrival_timestamp=record.arrival / 1000,
        shard_id=shard.id,
    )
