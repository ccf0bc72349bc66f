"""Writing records: route each to its open shard and give it the next sequence number.

One put is one write transaction (or a part of the caller's: an embedded table writes an item
and its change record together). It reads the stream's counter and reshard generation
first; when another process (or an earlier call) has resharded since this process last
looked, the open shards are loaded again, so a record never lands in a closed shard.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from headrace.broker.streams import shards
from headrace.broker.streams.hashing import Router
from headrace.broker.streams.sequence import sequence_number, shard_id
from headrace.broker.streams.stream_catalog import Stream
from headrace.broker.streams.stream_results import PutResult
from headrace.broker.streams.stream_store import Database

_INSERT = (
    "INSERT INTO records (stream_id, shard, counter, arrival, partition_key, data) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


# Data that is only known once the record's sequence number is: a table's change record
# carries its own sequence number. Called inside the write transaction; must not raise.
DataForSequenceNumber = Callable[[str], bytes]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A checked record on its way in, with its hash key worked out."""

    data: bytes | DataForSequenceNumber
    partition_key: str
    hash_key: int


@dataclass(frozen=True, slots=True)
class _Routing:
    generation: int
    router: Router


class Writer:
    """Puts records into a stream's open shards; keeps each stream's routing cached.

    The cache is keyed by the stream's row and creation time: SQLite may give a stream made
    again under a deleted one's name (DeleteStream, CreateStream) the same row id, with
    other shards, and its generation starts over.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._routing: dict[tuple[int, int], _Routing] = {}

    def put(self, stream: Stream, records: list[Outgoing], now: int) -> list[PutResult]:
        """Store ``records`` in one transaction, arriving at ``now`` (epoch ms), in order."""
        with self._db.write() as conn:
            return self.put_in(conn, stream, records, now)

    def put_in(
        self, conn: sqlite3.Connection, stream: Stream, records: list[Outgoing], now: int
    ) -> list[PutResult]:
        """Store ``records`` inside the caller's write transaction on ``conn``, in order.

        The caller's transaction must have been opened with ``Database.write()`` (the write
        lock held), so the counter read here is still current when it is written back.
        """
        counter, generation = conn.execute(
            "SELECT counter, generation FROM streams WHERE id = ?", (stream.id,)
        ).fetchone()
        router = self._router(conn, stream, generation)
        rows = []
        results = []
        for record in records:
            counter += 1
            index = router.shard_for(record.hash_key)
            number = sequence_number(counter, index)
            data = record.data if isinstance(record.data, bytes) else record.data(number)
            rows.append((stream.id, index, counter, now, record.partition_key, data))
            results.append(PutResult(shard_id(index), number))
        conn.executemany(_INSERT, rows)
        conn.execute("UPDATE streams SET counter = ? WHERE id = ?", (counter, stream.id))
        return results

    def _router(self, conn: sqlite3.Connection, stream: Stream, generation: int) -> Router:
        key = (stream.id, stream.created_at)
        cached = self._routing.get(key)
        if cached is None or cached.generation != generation:
            open_shards = shards.load_open(conn, stream.id)
            router = Router([(shard.index, shard.hash_range) for shard in open_shards])
            cached = self._routing[key] = _Routing(generation, router)
        return cached.router
