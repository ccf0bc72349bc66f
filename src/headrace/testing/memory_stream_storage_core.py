"""The in-memory stream core: Kinesis's semantics in lists, on the injected clock.

:class:`MemoryStreamCore` is the synchronous core behind
:class:`~headrace.testing.memory_stream_storage.MemoryStreamStorage`. It keeps what the
SQLite stream broker keeps (a counter per stream, shards with hash ranges and lineage,
records with arrival times) and reuses the broker's pure parts: sequence numbers, hash
routing, the resharding plan, iterator tokens and request checks. Where a position is
resolved or a shard read, it follows :mod:`headrace.broker.streams.iterators` and
:mod:`headrace.broker.streams.shard_scans`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from headrace import arn as arnlib
from headrace.broker.streams import stream_validation
from headrace.broker.streams.hashing import Router, even_ranges
from headrace.broker.streams.iterators import IteratorRequest, ShardIterator, resolve_start
from headrace.broker.streams.resharding import plan_uniform_scaling
from headrace.broker.streams.sequence import parse_shard_id, sequence_number, shard_id
from headrace.broker.streams.shard_scans import MAX_GET_RECORDS_BYTES
from headrace.broker.streams.shards import Shard
from headrace.broker.streams.stream_broker import check_scaling, hash_key_of
from headrace.broker.streams.stream_catalog import Catalog, Stream
from headrace.broker.streams.stream_results import (
    GetRecordsResult,
    PutRecordsEntry,
    PutRecordsResult,
    PutRecordsResultEntry,
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
from headrace.errors import InvalidArgumentException, ResourceNotFoundException
from headrace.events import StreamRecord


@dataclass(frozen=True, slots=True)
class _Record:
    counter: int
    arrival: int  # epoch ms
    partition_key: str
    data: bytes


@dataclass(slots=True)
class _Held:
    """One stream's state: its counter, next shard index, shards and their records."""

    stream: Stream
    counter: int
    next_index: int
    shards: dict[int, Shard] = field(default_factory=dict)
    records: dict[int, list[_Record]] = field(default_factory=dict)


@dataclass(slots=True)
class _Counts:
    records_put: int = 0
    records_read: int = 0
    get_records_calls: int = 0
    records_trimmed: int = 0
    shards_trimmed: int = 0
    reshards: int = 0


class _MemoryCatalog(Catalog):
    """The SQLite catalog's lookups (names, ARNs, Kinesis's errors) over held streams."""

    def __init__(self, *, region: str, account: str) -> None:  # no file: nothing to load
        self._region = region
        self._account = account
        self._streams: dict[str, Stream] = {}

    def add(self, stream: Stream) -> None:
        self._streams[stream.name] = stream

    def remove(self, name: str) -> None:
        self._streams.pop(name, None)

    def find_shard(self, held: _Held, text: str) -> Shard:
        index = parse_shard_id(text)
        where = f"in stream {held.stream.name} under account {self._account}"
        if index is None:
            raise ResourceNotFoundException(f"Could not find shard {text} {where}.")
        found = held.shards.get(index)
        if found is None:
            raise ResourceNotFoundException(f"Shard {shard_id(index)} {where} does not exist")
        return found


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
        self._region = region
        self._account = account
        self._clock = clock
        self._notify = notify
        self._iterator_ttl = iterator_ttl
        self._catalog = _MemoryCatalog(region=region, account=account)
        self._held: dict[str, _Held] = {}
        self._ids = 0  # the last stream id handed out (never reused after a delete)
        self._counts = _Counts()
        for name, config in streams.items():
            self._declare(name, config)  # declared names are checked by the config

    # -- streams ----------------------------------------------------------------------

    @property
    def stream_names(self) -> list[str]:
        return self._catalog.names()

    def create_stream(self, name: str, config: StreamConfig) -> StreamSummary:
        stream_validation.check_stream_name(name)
        self._declare(name, config)
        return self.stream_summary(name)

    def attach_stream(self, config: StreamConfig) -> None:
        """Hold a table's change stream made by CreateTable (as ``StreamBroker``'s)."""
        self._declare(config.name, config)

    def _declare(self, name: str, config: StreamConfig) -> None:
        if name not in self._held:
            arn = arnlib.kinesis_stream(self._region, self._account, name)
            self._ids += 1
            stream = Stream(self._ids, name, arn, config, self._now())
            held = _Held(stream, counter=config.shard_count, next_index=config.shard_count)
            for index, hash_range in enumerate(even_ranges(config.shard_count)):
                held.shards[index] = Shard(index, hash_range, None, None, index + 1, None, None)
                held.records[index] = []
            self._held[name] = held
            self._catalog.add(stream)

    def delete_stream(self, stream: str) -> None:
        name = self._find(stream).stream.name
        arn = self._held.pop(name).stream.arn
        self._catalog.remove(name)
        self._notify(arn)

    def stream_arn(self, stream: str) -> str:
        return self._catalog.get(stream).arn

    def stream_summary(self, stream: str) -> StreamSummary:
        held = self._find(stream)
        s = held.stream
        return StreamSummary(
            stream_name=s.name,
            stream_arn=s.arn,
            stream_status="ACTIVE",
            retention_period_hours=s.config.retention_period_hours,
            stream_creation_timestamp=s.created_at / 1000,
            open_shard_count=sum(1 for shard in held.shards.values() if not shard.closed),
            shard_count=len(held.shards),
        )

    def list_shards(self, stream: str) -> list[ShardInfo]:
        held = self._find(stream)
        return [held.shards[i].info() for i in sorted(held.shards)]

    def update_shard_count(self, stream: str, target: int) -> UpdateShardCountResult:
        stream_validation.check_target_shard_count(target)
        held = self._find(stream)
        open_shards = [(s.index, s.hash_range) for s in held.shards.values() if not s.closed]
        check_scaling(len(open_shards), target)
        now = self._now()
        plan = plan_uniform_scaling(
            open_shards, target, counter=held.counter, next_index=held.next_index
        )
        for index, end in plan.closed.items():
            old = held.shards[index]
            held.shards[index] = Shard(
                index, old.hash_range, old.parent, old.adjacent_parent, old.start_counter, end, now
            )
        for p in plan.created:
            closed_at = None if p.end_counter is None else now
            held.shards[p.index] = Shard(
                p.index,
                p.hash_range,
                p.parent,
                p.adjacent_parent,
                p.start_counter,
                p.end_counter,
                closed_at,
            )
            held.records[p.index] = []
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
        for held in self._held.values():
            cutoff = held.stream.retention_cutoff(millis)
            for index, records in held.records.items():
                kept = [r for r in records if r.arrival > cutoff]
                deleted += len(records) - len(kept)
                held.records[index] = kept
            gone = [i for i, s in held.shards.items() if s.closed_at is not None]
            for index in [i for i in gone if (held.shards[i].closed_at or 0) <= cutoff]:
                del held.shards[index]
                self._counts.shards_trimmed += 1
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
        (result,) = self._put(
            held, [Outgoing(data, partition_key, hash_key_of(partition_key, explicit_hash_key))]
        )
        return result

    def put_records(self, stream: str, entries: Sequence[PutRecordsEntry]) -> PutRecordsResult:
        stream_validation.check_put_records(entries)
        held = self._find(stream)
        outgoing = [
            Outgoing(e.data, e.partition_key, hash_key_of(e.partition_key, e.explicit_hash_key))
            for e in entries
        ]
        results = self._put(held, outgoing)
        return PutRecordsResult(
            tuple(
                PutRecordsResultEntry(shard_id=r.shard_id, sequence_number=r.sequence_number)
                for r in results
            )
        )

    def stream(self, stream: str) -> Stream:
        """The held stream a name or ARN names (for a table writing its change records)."""
        return self._catalog.get(stream)

    def append(self, stream: str, outgoing: list[Outgoing]) -> list[PutResult]:
        """Put checked records (data may depend on the sequence number: a change record)."""
        return self._put(self._find(stream), outgoing)

    def _put(self, held: _Held, records: list[Outgoing]) -> list[PutResult]:
        now = self._now()
        router = Router([(s.index, s.hash_range) for s in held.shards.values() if not s.closed])
        results = []
        for record in records:
            held.counter += 1
            index = router.shard_for(record.hash_key)
            number = sequence_number(held.counter, index)
            data = record.data if isinstance(record.data, bytes) else record.data(number)
            held.records[index].append(_Record(held.counter, now, record.partition_key, data))
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
        taken: list[_Record] = []
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
        children = [c.info() for c in held.shards.values() if shard.index in _parents(c)]
        return GetRecordsResult(
            records=tuple(_record(r, shard) for r in taken),
            next_shard_iterator=None if ended else following.encode(),
            millis_behind_latest=max(0, now - rest[0].arrival) if rest else 0,
            child_shards=tuple(children) if ended else (),
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

    def _find(self, stream: str) -> _Held:
        return self._held[self._catalog.get(stream).name]

    @staticmethod
    def _live(held: _Held, index: int, after: int, now: int) -> list[_Record]:
        """The shard's unexpired records after counter ``after``, in order."""
        cutoff = held.stream.retention_cutoff(now)
        return [r for r in held.records.get(index, []) if r.counter > after and r.arrival > cutoff]


@dataclass(frozen=True, slots=True)
class _Positions:
    """What resolving an iterator's start reads, from a held stream."""

    held: _Held
    index: int

    def stream_counter(self) -> int:
        return self.held.counter

    def first_counter_at(self, millis: int) -> int | None:
        found = [r.counter for r in self.held.records.get(self.index, []) if r.arrival >= millis]
        return found[0] if found else None


def _parents(shard: Shard) -> tuple[int | None, int | None]:
    return shard.parent, shard.adjacent_parent


def _record(record: _Record, shard: Shard) -> StreamRecord:
    return StreamRecord(
        sequence_number=sequence_number(record.counter, shard.index),
        partition_key=record.partition_key,
        data=record.data,
        approximate_arrival_timestamp=record.arrival / 1000,
        shard_id=shard.id,
    )
