"""Shards: what one is, how a stream's first ones and a reshard's are made, and their rows.

:class:`Shard`, :func:`first_shards` and :func:`from_plan` are the bookkeeping both stream
backends share (the in-memory one keeps the shards in a dict). The row functions read,
insert, close and expire the shards of a stream; each runs one statement (or a few) inside
the caller's transaction. A shard's
starting and ending sequence numbers are its opening and closing counter values (see
:mod:`headrace.broker.streams.sequence`), so every record of a shard sorts strictly between
them.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from dataclasses import dataclass

from headrace.broker.streams.hashing import HashKeyRange, even_ranges
from headrace.broker.streams.resharding import PlannedShard
from headrace.broker.streams.sequence import sequence_number, shard_id
from headrace.broker.streams.stream_results import ShardInfo

_COLUMNS = (
    "shard, start_hash, end_hash, parent, adjacent_parent, start_counter, end_counter, closed_at"
)


@dataclass(frozen=True, slots=True)
class Shard:
    """One shard of a stream as the broker uses it."""

    index: int
    hash_range: HashKeyRange
    parent: int | None
    adjacent_parent: int | None
    start_counter: int
    end_counter: int | None
    closed_at: int | None  # epoch ms

    @property
    def id(self) -> str:
        return shard_id(self.index)

    @property
    def closed(self) -> bool:
        return self.end_counter is not None

    def is_child_of(self, index: int) -> bool:
        """Whether this shard names shard ``index`` as its parent or adjacent parent."""
        return index in (self.parent, self.adjacent_parent)

    def closed_with(self, counter: int, now: int) -> Shard:
        """This shard closed at ``now``: it takes no more records; ``counter`` ends it."""
        return dataclasses.replace(self, end_counter=counter, closed_at=now)

    def info(self) -> ShardInfo:
        """The shard as ListShards describes it."""
        return ShardInfo(
            shard_id=self.id,
            parent_shard_id=None if self.parent is None else shard_id(self.parent),
            adjacent_parent_shard_id=(
                None if self.adjacent_parent is None else shard_id(self.adjacent_parent)
            ),
            starting_hash_key=str(self.hash_range.start),
            ending_hash_key=str(self.hash_range.end),
            starting_sequence_number=sequence_number(self.start_counter, self.index),
            ending_sequence_number=(
                None if self.end_counter is None else sequence_number(self.end_counter, self.index)
            ),
        )


def first_shards(count: int) -> list[Shard]:
    """A new stream's shards: ``count`` even hash ranges, no parents; shard ``i`` starts at
    counter ``i + 1`` (the stream's counter starts at ``count``)."""
    return [
        Shard(index, hash_range, None, None, index + 1, None, None)
        for index, hash_range in enumerate(even_ranges(count))
    ]


def from_plan(planned: PlannedShard, now: int) -> Shard:
    """The shard a reshard made (closed at ``now`` if it is a temporary one)."""
    closed_at = None if planned.end_counter is None else now
    return Shard(
        planned.index,
        planned.hash_range,
        planned.parent,
        planned.adjacent_parent,
        planned.start_counter,
        planned.end_counter,
        closed_at,
    )


def _shard(row: tuple[int, str, str, int | None, int | None, int, int | None, int | None]) -> Shard:
    index, start, end, parent, adjacent, start_counter, end_counter, closed_at = row
    hash_range = HashKeyRange(int(start), int(end))
    return Shard(index, hash_range, parent, adjacent, start_counter, end_counter, closed_at)


def load_all(conn: sqlite3.Connection, stream_id: int) -> list[Shard]:
    """Every shard of a stream still kept, open and closed, by index."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM shards WHERE stream_id = ? ORDER BY shard", (stream_id,)
    )
    return [_shard(row) for row in rows]


def load_open(conn: sqlite3.Connection, stream_id: int) -> list[Shard]:
    """The open shards of a stream, by index."""
    return [shard for shard in load_all(conn, stream_id) if not shard.closed]


def load_one(conn: sqlite3.Connection, stream_id: int, index: int) -> Shard | None:
    """One shard of a stream, or None if it never existed or has expired."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM shards WHERE stream_id = ? AND shard = ?", (stream_id, index)
    ).fetchone()
    return None if row is None else _shard(row)


def children(conn: sqlite3.Connection, stream_id: int, index: int) -> list[Shard]:
    """The shards that name ``index`` as a parent or adjacent parent."""
    return [shard for shard in load_all(conn, stream_id) if shard.is_child_of(index)]


def insert(conn: sqlite3.Connection, stream_id: int, shard: Shard) -> None:
    """Insert a new shard (a stream's first, or one a reshard made)."""
    conn.execute(
        f"INSERT INTO shards (stream_id, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            stream_id,
            shard.index,
            str(shard.hash_range.start),
            str(shard.hash_range.end),
            shard.parent,
            shard.adjacent_parent,
            shard.start_counter,
            shard.end_counter,
            shard.closed_at,
        ),
    )


def close(conn: sqlite3.Connection, stream_id: int, index: int, counter: int, now: int) -> None:
    """Close an open shard: it takes no more records; ``counter`` is its ending value."""
    conn.execute(
        "UPDATE shards SET end_counter = ?, closed_at = ? WHERE stream_id = ? AND shard = ?",
        (counter, now, stream_id, index),
    )


def delete_expired(conn: sqlite3.Connection, stream_id: int, cutoff: int) -> int:
    """Forget shards closed at or before ``cutoff`` (epoch ms); their records expired too."""
    cursor = conn.execute(
        "DELETE FROM shards WHERE stream_id = ? AND closed_at <= ?", (stream_id, cutoff)
    )
    return cursor.rowcount
