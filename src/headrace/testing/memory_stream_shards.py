"""The in-memory streams' bookkeeping: which streams and shards there are, and their records.

:class:`MemoryCatalog` keeps what the SQLite stream broker keeps in its ``streams`` and
``shards`` tables — a :class:`HeldStream` per declared stream (its counter, next shard index,
shards with hash ranges and lineage, and each shard's records with arrival times) — and
answers the SQLite catalog's lookups with Kinesis's errors. The records' reading and writing
and the resharding are :mod:`headrace.testing.memory_stream_storage_core`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from headrace import arn as arnlib
from headrace.broker.streams.hashing import HashKeyRange
from headrace.broker.streams.sequence import parse_shard_id, shard_id
from headrace.broker.streams.shards import Shard, first_shards
from headrace.broker.streams.stream_catalog import Catalog, Stream
from headrace.broker.streams.stream_results import ShardInfo
from headrace.config.resources import StreamConfig
from headrace.errors import ResourceNotFoundException


@dataclass(frozen=True, slots=True)
class HeldRecord:
    """One record as a shard holds it."""

    counter: int
    arrival: int  # epoch ms
    partition_key: str
    data: bytes


@dataclass(slots=True)
class HeldStream:
    """One stream's state: its counter, next shard index, shards and their records."""

    stream: Stream
    counter: int
    next_index: int
    shards: dict[int, Shard] = field(default_factory=dict)
    records: dict[int, list[HeldRecord]] = field(default_factory=dict)

    def add(self, shard: Shard) -> None:
        """Keep a new shard, with no records yet."""
        self.shards[shard.index] = shard
        self.records[shard.index] = []

    def open_ranges(self) -> list[tuple[int, HashKeyRange]]:
        """The open shards' indexes and hash ranges (what puts are routed over)."""
        return [(s.index, s.hash_range) for s in self.shards.values() if not s.closed]

    def infos(self) -> list[ShardInfo]:
        """Every shard still kept, by index, as ListShards describes it."""
        return [self.shards[i].info() for i in sorted(self.shards)]

    def children(self, index: int) -> list[ShardInfo]:
        """The shards that name shard ``index`` as a parent or adjacent parent."""
        return [c.info() for c in self.shards.values() if c.is_child_of(index)]

    def forget_closed(self, cutoff: int) -> int:
        """Forget shards closed at or before ``cutoff`` (epoch ms); return how many."""
        gone = [i for i, s in self.shards.items() if s.closed_at is not None]
        expired = [i for i in gone if (self.shards[i].closed_at or 0) <= cutoff]
        for index in expired:
            del self.shards[index]
        return len(expired)


class MemoryCatalog(Catalog):
    """The SQLite catalog's lookups (names, ARNs, Kinesis's errors) over held streams."""

    def __init__(self, *, region: str, account: str) -> None:  # no file: nothing to load
        self._region = region
        self._account = account
        self._streams: dict[str, Stream] = {}
        self.held: dict[str, HeldStream] = {}
        self._ids = 0  # the last stream id handed out (never reused after a delete)

    def declare_held(self, name: str, config: StreamConfig, now: int) -> None:
        """Hold a new stream with ``config.shard_count`` even shards; a held one stays."""
        if name in self.held:
            return
        arn = arnlib.kinesis_stream(self._region, self._account, name)
        self._ids += 1
        stream = Stream(self._ids, name, arn, config, now)
        held = HeldStream(stream, counter=config.shard_count, next_index=config.shard_count)
        for shard in first_shards(config.shard_count):
            held.add(shard)
        self.held[name] = held
        self._streams[name] = stream

    def drop_held(self, name: str) -> HeldStream:
        """Stop holding a stream (DeleteStream); the stream it held."""
        self._streams.pop(name, None)
        return self.held.pop(name)

    def find(self, stream: str) -> HeldStream:
        """The held stream a name or ARN names; ResourceNotFoundException if none."""
        return self.held[self.get(stream).name]

    def find_shard(self, held: HeldStream, text: str) -> Shard:
        """The shard a shard id names, with the SQLite catalog's errors."""
        index = parse_shard_id(text)
        where = f"in stream {held.stream.name} under account {self._account}"
        if index is None:
            raise ResourceNotFoundException(f"Could not find shard {text} {where}.")
        found = held.shards.get(index)
        if found is None:
            raise ResourceNotFoundException(f"Shard {shard_id(index)} {where} does not exist")
        return found
