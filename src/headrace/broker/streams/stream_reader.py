"""The read side of the embedded streams: shard iterators, GetRecords and the tip helpers.

:class:`ShardReader` is the base of :class:`~headrace.broker.streams.stream_broker.StreamBroker`;
it only reads the file (each call one read transaction, one snapshot), so reads in one
process never wait for writes in another.
"""

from __future__ import annotations

from dataclasses import dataclass

from headrace.broker.streams import sequence, shard_scans, shards, stream_validation
from headrace.broker.streams.iterators import IteratorRequest, ShardIterator, start_position
from headrace.broker.streams.stream_catalog import Catalog
from headrace.broker.streams.stream_results import GetRecordsResult, ShardTip
from headrace.broker.streams.stream_store import Database
from headrace.clock import Clock
from headrace.errors import InvalidArgumentException


@dataclass(slots=True)
class ReadCounters:
    """How many GetRecords calls this process made and how many records they returned."""

    get_records_calls: int = 0
    records_read: int = 0


class ShardReader:
    """Reads the streams of ``catalog`` in ``db``; errors are Kinesis's."""

    def __init__(
        self,
        db: Database,
        catalog: Catalog,
        *,
        account: str,
        clock: Clock,
        iterator_ttl: float | None,
    ) -> None:
        self._db = db
        self._catalog = catalog
        self._account = account
        self._clock = clock
        self._iterator_ttl = iterator_ttl
        self._reads = ReadCounters()

    def _now(self) -> int:
        return int(self._clock.time() * 1000)

    def get_shard_iterator(
        self,
        stream: str,
        shard_id: str,
        iterator_type: str,
        *,
        starting_sequence_number: str | None = None,
        timestamp: float | None = None,
    ) -> str:
        """GetShardIterator: an opaque token for a position in a shard.

        ``iterator_type`` is TRIM_HORIZON, LATEST, AT_TIMESTAMP (``timestamp`` in epoch
        seconds, not in the future), AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER (with
        ``starting_sequence_number``). Raises ValidationException (unknown type),
        ResourceNotFoundException (stream or shard) or InvalidArgumentException.
        """
        stream_validation.check_iterator_type(iterator_type)
        found = self._catalog.get(stream)
        now = self._now()
        with self._db.read() as conn:
            shard = self._catalog.shard(conn, found, shard_id)
            request = IteratorRequest(
                found, shard, self._account, iterator_type, starting_sequence_number, timestamp
            )
            after = start_position(conn, request, now)
        return ShardIterator(found.name, found.created_at, shard.index, after, now).encode()

    def get_records(
        self, iterator: str, limit: int = stream_validation.MAX_GET_RECORDS_LIMIT
    ) -> GetRecordsResult:
        """GetRecords: up to ``limit`` records after the iterator's position, in order.

        The next iterator is None once a closed shard is read to its end; ``child_shards``
        then names the shards that continue it. Raises ValidationException (limit),
        InvalidArgumentException (not an iterator), ExpiredIteratorException,
        ResourceNotFoundException (the stream or shard is gone).
        """
        stream_validation.check_limit(limit)
        position = ShardIterator.decode(iterator)
        now = self._now()
        position.check_fresh(now, self._iterator_ttl)
        found = self._catalog.get(position.stream_name)
        if found.created_at != position.stream_created_at:
            raise InvalidArgumentException("Invalid ShardIterator.")
        with self._db.read() as conn:
            shard = self._catalog.shard(conn, found, str(position.shard_index))
            read = shard_scans.read_shard(conn, found, shard, position.after, limit, now)
            ended = shard.closed and read.at_tip
            children = shards.children(conn, found.id, shard.index) if ended else []
        self._reads.get_records_calls += 1
        self._reads.records_read += len(read.records)
        following = ShardIterator(found.name, found.created_at, shard.index, read.after, now)
        behind = 0 if read.next_arrival is None else max(0, now - read.next_arrival)
        return GetRecordsResult(
            records=tuple(read.records),
            next_shard_iterator=None if ended else following.encode(),
            millis_behind_latest=behind,
            child_shards=tuple(child.info() for child in children),
        )

    def tip(self, stream: str, shard_id: str) -> ShardTip:
        """A shard's newest unexpired record and whether the shard is closed."""
        found = self._catalog.get(stream)
        with self._db.read() as conn:
            shard = self._catalog.shard(conn, found, shard_id)
            newest = shard_scans.newest(conn, found, shard, self._now())
        if newest is None:
            return ShardTip(
                shard_id=shard.id,
                latest_sequence_number=None,
                latest_arrival_timestamp=None,
                closed=shard.closed,
            )
        counter, arrival = newest
        return ShardTip(
            shard_id=shard.id,
            latest_sequence_number=sequence.sequence_number(counter, shard.index),
            latest_arrival_timestamp=arrival / 1000,
            closed=shard.closed,
        )

    def latest_sequence(self, stream: str, shard_id: str) -> str | None:
        """The sequence number of a shard's newest unexpired record, or None if it has none."""
        return self.tip(stream, shard_id).latest_sequence_number

    def has_records_after(self, stream: str, shard_id: str, sequence_number: str | None) -> bool:
        """Whether the shard holds unexpired records after ``sequence_number`` (None: any).

        This is "the checkpoint is not at the tip" for a consumer that checkpointed there.
        Raises InvalidArgumentException if ``sequence_number`` is not one of this broker's.
        """
        found = self._catalog.get(stream)
        after = 0
        if sequence_number is not None:
            after = stream_validation.sequence_counter(sequence_number, found.name)
        with self._db.read() as conn:
            shard = self._catalog.shard(conn, found, shard_id)
            return shard_scans.has_records_after(conn, found, shard, after, self._now())
