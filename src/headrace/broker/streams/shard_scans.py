"""Reading a shard: GetRecords' range scan, the tip, and trimming by retention.

Reading never deletes. A record whose arrival is at or before the retention cutoff is never
returned or counted, even before :func:`trim` deletes it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from headrace.broker.streams import shards
from headrace.broker.streams.sequence import sequence_number
from headrace.broker.streams.shards import Shard
from headrace.broker.streams.stream_catalog import Stream
from headrace.events import StreamRecord

# GetRecords returns at most 10 MiB of data per call (at least one record, though).
MAX_GET_RECORDS_BYTES = 10 * 1_048_576

_NEXT_RECORDS = (
    "SELECT counter, arrival, partition_key, data FROM records "
    "WHERE stream_id = ? AND shard = ? AND counter > ? AND arrival > ? "
    "ORDER BY counter LIMIT ?"
)
_NEXT_ARRIVAL = (
    "SELECT arrival FROM records WHERE stream_id = ? AND shard = ? AND counter > ? "
    "AND arrival > ? ORDER BY counter LIMIT 1"
)
_NEWEST = (
    "SELECT counter, arrival FROM records WHERE stream_id = ? AND shard = ? AND arrival > ? "
    "ORDER BY counter DESC LIMIT 1"
)


@dataclass(frozen=True, slots=True)
class ShardRead:
    """One GetRecords' worth of a shard: records, the position after them, what is left."""

    records: list[StreamRecord]
    after: int  # the counter of the last record returned (or the old position)
    next_arrival: int | None  # epoch ms of the first unread record; None at the tip

    @property
    def at_tip(self) -> bool:
        return self.next_arrival is None


def read_shard(
    conn: sqlite3.Connection, stream: Stream, shard: Shard, after: int, limit: int, now: int
) -> ShardRead:
    """Up to ``limit`` unexpired records after counter ``after``, at most 10 MiB of data."""
    cutoff = stream.retention_cutoff(now)
    cursor = conn.execute(_NEXT_RECORDS, (stream.id, shard.index, after, cutoff, limit))
    records: list[StreamRecord] = []
    size = 0
    for counter, arrival, partition_key, data in cursor:
        size += len(data)
        if records and size > MAX_GET_RECORDS_BYTES:
            break
        records.append(
            StreamRecord(
                sequence_number=sequence_number(counter, shard.index),
                partition_key=partition_key,
                data=bytes(data),
                approximate_arrival_timestamp=arrival / 1000,
                shard_id=shard.id,
            )
        )
        after = counter
    cursor.close()
    row = conn.execute(_NEXT_ARRIVAL, (stream.id, shard.index, after, cutoff)).fetchone()
    return ShardRead(records, after, None if row is None else int(row[0]))


def newest(
    conn: sqlite3.Connection, stream: Stream, shard: Shard, now: int
) -> tuple[int, int] | None:
    """The counter and arrival (epoch ms) of a shard's newest unexpired record, if any."""
    row = conn.execute(_NEWEST, (stream.id, shard.index, stream.retention_cutoff(now))).fetchone()
    return None if row is None else (int(row[0]), int(row[1]))


def has_records_after(
    conn: sqlite3.Connection, stream: Stream, shard: Shard, after: int, now: int
) -> bool:
    """Whether the shard holds an unexpired record with a counter above ``after``."""
    cutoff = stream.retention_cutoff(now)
    return (
        conn.execute(_NEXT_ARRIVAL, (stream.id, shard.index, after, cutoff)).fetchone() is not None
    )


@dataclass(frozen=True, slots=True)
class Trimmed:
    """How many records and closed shards one :func:`trim` deleted."""

    records: int
    shards: int


def trim(conn: sqlite3.Connection, stream: Stream, now: int) -> Trimmed:
    """Delete the stream's expired records, and closed shards past the retention period.

    A closed shard is forgotten once it closed longer ago than the retention period, as
    Kinesis drops it from ListShards; its children keep naming it as their parent.
    """
    cutoff = stream.retention_cutoff(now)
    cursor = conn.execute(
        "DELETE FROM records WHERE stream_id = ? AND arrival <= ?", (stream.id, cutoff)
    )
    return Trimmed(cursor.rowcount, shards.delete_expired(conn, stream.id, cutoff))
