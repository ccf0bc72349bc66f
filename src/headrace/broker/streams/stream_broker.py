"""The embedded streams: Kinesis Data Streams semantics over one SQLite file.

:class:`StreamBroker` is synchronous and thread-safe, and several processes may open the
same file at once (``headrace put`` writing while ``headrace run`` reads). The async source
the engine uses is a thin wrapper that runs these calls on a broker thread. Deliberate
differences from Kinesis are listed in ``docs/streams.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from headrace.broker.streams import shard_scans, shards, stream_catalog, stream_validation
from headrace.broker.streams.hashing import explicit_hash_key, partition_key_hash
from headrace.broker.streams.iterators import ITERATOR_TTL_S
from headrace.broker.streams.stream_catalog import Catalog, Stream
from headrace.broker.streams.stream_reader import ShardReader
from headrace.broker.streams.stream_results import (
    PutRecordsEntry,
    PutRecordsResult,
    PutRecordsResultEntry,
    PutResult,
    ShardInfo,
    StreamBrokerStatistics,
    StreamSummary,
    UpdateShardCountResult,
)
from headrace.broker.streams.stream_store import Database
from headrace.broker.streams.stream_writing import Outgoing, Writer
from headrace.broker.sweep import PeriodicSweep
from headrace.broker.wake import Notifier
from headrace.clock import Clock, SystemClock
from headrace.config.resources import StreamConfig
from headrace.errors import LimitExceededException

# How often (clock time) expired records and shards are deleted. Expired records are never
# returned in between; this only frees space.
SWEEP_INTERVAL_MS = 60_000


@dataclass(slots=True)
class _Counters:
    records_put: int = 0
    records_trimmed: int = 0
    shards_trimmed: int = 0
    reshards: int = 0


class StreamBroker(ShardReader):
    """The declared streams of one file, with Kinesis's semantics.

    ``streams`` maps stream names to their config; a stream is created (or resharded to a
    changed ``ShardCount``) when the broker opens. ``notify`` is called with a stream's ARN
    after every committed put or reshard; by default it sends a wake-up datagram to the
    ``headrace run`` listening on ``path``'s folder. ``iterator_ttl`` is how long a shard
    iterator stays valid (Kinesis: 300 s; None: forever). Errors are Kinesis's
    (``headrace.errors``); storage failures are :class:`~headrace.errors.BrokerError`.
    """

    def __init__(
        self,
        path: Path,
        streams: Mapping[str, StreamConfig],
        *,
        region: str,
        account: str,
        clock: Clock | None = None,
        notify: Callable[[str], None] | None = None,
        iterator_ttl: float | None = ITERATOR_TTL_S,
    ) -> None:
        self._notify = Notifier(path.parent, notify)
        self._counters = _Counters()
        self._sweep = PeriodicSweep(self.trim, SWEEP_INTERVAL_MS)
        clock = clock or SystemClock()
        db = Database(path)
        now = int(clock.time() * 1000)
        with db.write() as conn:
            streams_catalog = Catalog(conn, streams, region=region, account=account, now=now)
        super().__init__(
            db, streams_catalog, account=account, clock=clock, iterator_ttl=iterator_ttl
        )
        self._writer = Writer(db)

    # -- streams ----------------------------------------------------------------------

    @property
    def stream_names(self) -> list[str]:
        """The declared streams' names."""
        return self._catalog.names()

    def create_stream(self, name: str, config: StreamConfig) -> StreamSummary:
        """CreateStream at run time: ``config.shard_count`` even shards; the stream's summary.

        A stream already declared is returned as it is; waiters on the stream's ARN are
        woken (a mapping that read a deleted stream of the name). The stream is kept in the
        file until :meth:`delete_stream`: every broker opened on the file later declares it
        too (one already open elsewhere does not see it until it reopens).
        """
        stream_validation.check_stream_name(name)
        with self._db.write() as conn:
            self._catalog.declare(conn, name, config, self._now())
        self._notify(self._catalog.get(name).arn)  # wakes a mapping waiting for it to exist
        return self.stream_summary(name)

    def attach_stream(self, config: StreamConfig) -> None:
        """Know a stream another broker of the file made since this one opened (a table's
        change stream, made by CreateTable with its table); not remembered as a created
        stream, its table is."""
        with self._db.write() as conn:
            self._catalog.declare(conn, config.name, config, self._now(), remember=False)

    def delete_stream(self, stream: str) -> None:
        """DeleteStream, done at once: the stream (name or ARN), its shards and records go.

        Iterators of the deleted stream fail from now on, also if a stream of the same name
        is created again. Raises ResourceNotFoundException if there is no such stream.
        """
        found = self._catalog.get(stream)
        with self._db.write() as conn:
            self._catalog.forget(conn, found)
        self._notify(found.arn)

    def stream_arn(self, stream: str) -> str:
        """The ARN of the declared stream ``stream`` names (name or ARN)."""
        return self._catalog.get(stream).arn

    def stream_summary(self, stream: str) -> StreamSummary:
        """DescribeStreamSummary: status, retention, creation time and shard counts."""
        found = self._catalog.get(stream)
        with self._db.read() as conn:
            return found.summary(shards.load_all(conn, found.id))

    def list_shards(self, stream: str) -> list[ShardInfo]:
        """Every shard still kept (open, and closed within the retention period), by id."""
        found = self._catalog.get(stream)
        with self._db.read() as conn:
            return [shard.info() for shard in shards.load_all(conn, found.id)]

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
        """PutRecord: store one record in the shard whose hash key range holds its key.

        Raises ValidationException (data over 1 MiB, partition key not 1-256 characters, a
        malformed hash key), ResourceNotFoundException (no such stream) or
        InvalidArgumentException (hash key past 2**128 - 1, a foreign ordering number).
        """
        stream_validation.check_put_record(
            data, partition_key, explicit_hash_key, sequence_number_for_ordering
        )
        found = self._catalog.get(stream)
        if sequence_number_for_ordering is not None:
            stream_validation.check_ordering_number(
                sequence_number_for_ordering, found.name, self._account
            )
        (result,) = self._put(found, [to_outgoing(data, partition_key, explicit_hash_key)])
        return result

    def put_records(self, stream: str, entries: Sequence[PutRecordsEntry]) -> PutRecordsResult:
        """PutRecords: store up to 500 records (5 MiB) at once, each routed by its own key.

        Raises as :meth:`put_record` does, and InvalidArgumentException ``Records size
        exceeds 5 MB limit``; per-entry failures (none today: throughput limits are not
        enforced) would be reported in the result, as Kinesis does.
        """
        stream_validation.check_put_records(entries)
        found = self._catalog.get(stream)
        return put_records_result(self._put(found, outgoing_entries(entries)))

    def _put(self, stream: Stream, outgoing: list[Outgoing]) -> list[PutResult]:
        now = self._now()
        results = self._writer.put(stream, outgoing, now)
        self._counters.records_put += len(results)
        self._notify(stream.arn)
        self._sweep.after_write(now)
        return results

    def update_shard_count(self, stream: str, target: int) -> UpdateShardCountResult:
        """UpdateShardCount (UNIFORM_SCALING), done at once.

        Closes the open shards whose ranges change and opens even children naming their
        parents (splits and merges, as Kinesis makes them). Raises ValidationException for
        a target below 1, LimitExceededException past double or below half the open count.
        """
        stream_validation.check_target_shard_count(target)
        found = self._catalog.get(stream)
        now = self._now()
        with self._db.write() as conn:
            current = len(shards.load_open(conn, found.id))
            check_scaling(current, target)
            stream_catalog.reshard(conn, found.id, target, now)
        self._counters.reshards += 1
        self._notify(found.arn)
        return UpdateShardCountResult(
            stream_name=found.name,
            stream_arn=found.arn,
            current_shard_count=current,
            target_shard_count=target,
        )

    # -- housekeeping -----------------------------------------------------------------

    def trim(self, now: float | None = None) -> int:
        """Delete records older than their stream's retention period; return how many.

        Closed shards past the retention period are forgotten too. ``now`` is epoch
        seconds (default: the clock's time). Runs by itself after puts, at most once a minute.
        """
        millis = self._now() if now is None else int(now * 1000)
        deleted = 0
        with self._db.write() as conn:
            for name in self._catalog.names():
                trimmed = shard_scans.trim(conn, self._catalog.get(name), millis)
                deleted += trimmed.records
                self._counters.shards_trimmed += trimmed.shards
        self._counters.records_trimmed += deleted
        return deleted

    def statistics(self) -> StreamBrokerStatistics:
        """What this broker did since it opened (this process only)."""
        c = self._counters
        return StreamBrokerStatistics(
            c.records_put,
            self._reads.records_read,
            self._reads.get_records_calls,
            c.records_trimmed,
            c.shards_trimmed,
            c.reshards,
        )

    def close(self) -> None:
        """Close the file (and the wake-up socket)."""
        self._db.close()
        self._notify.close()


def hash_key_of(partition_key: str, explicit: str | None) -> int:
    """The hash key a record is routed by: its explicit one, else its partition key's MD5."""
    return partition_key_hash(partition_key) if explicit is None else explicit_hash_key(explicit)


def to_outgoing(data: bytes, partition_key: str, explicit: str | None) -> Outgoing:
    """A checked record to write, with the hash key it is routed by."""
    return Outgoing(data, partition_key, hash_key_of(partition_key, explicit))


def outgoing_entries(entries: Sequence[PutRecordsEntry]) -> list[Outgoing]:
    """PutRecords' checked entries to write, each routed by its own key."""
    return [to_outgoing(e.data, e.partition_key, e.explicit_hash_key) for e in entries]


def put_records_result(results: Sequence[PutResult]) -> PutRecordsResult:
    """PutRecords' answer: each entry's shard and sequence number, in order."""
    return PutRecordsResult(
        tuple(
            PutRecordsResultEntry(shard_id=r.shard_id, sequence_number=r.sequence_number)
            for r in results
        )
    )


def check_scaling(current: int, target: int) -> None:
    """UpdateShardCount's limits: at most double, at least half the open shards."""
    counts = f"Current open shard count: {current}, Target shard count: {target}"
    if target > 2 * current:
        raise LimitExceededException(
            f"UpdateShardCount cannot scale up over double your current open shard count. {counts}"
        )
    if 2 * target < current:
        raise LimitExceededException(
            f"UpdateShardCount cannot scale down below half your current open shard count. {counts}"
        )
