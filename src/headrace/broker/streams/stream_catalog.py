"""The declared streams: their rows, their first shards, and reshards.

Streams are declared by config, or created at run time (CreateStream on the endpoint): a
created stream is remembered in ``created_streams`` and declared again at every open until
DeleteStream forgets it (the file's declaration wins for a name in both). The first time a
stream is seen its row and its ``ShardCount`` even shards are created. When the config's
``ShardCount`` changes between starts, the stream is resharded to it (UNIFORM_SCALING,
without UpdateShardCount's half-to-double limit), as CloudFormation does when a template's
ShardCount changes; a reshard made at run time through
:meth:`StreamBroker.update_shard_count` is kept, because only a change of the *declared*
count reshards.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from headrace import arn as arnlib
from headrace.broker.streams import sequence, shards
from headrace.broker.streams.created_streams import CREATED_STREAMS, load_created_streams
from headrace.broker.streams.resharding import ReshardPlan, plan_uniform_scaling
from headrace.broker.streams.stream_results import StreamSummary
from headrace.config.resources import StreamConfig
from headrace.errors import ResourceNotFoundException

# Milliseconds in an hour, for RetentionPeriodHours.
_HOUR_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class Stream:
    """A declared stream as the broker uses it."""

    id: int
    name: str
    arn: str
    config: StreamConfig
    created_at: int  # epoch ms

    def retention_cutoff(self, now: int) -> int:
        """The arrival time (epoch ms) at or before which a record has expired."""
        return now - self.config.retention_period_hours * _HOUR_MS

    def summary(self, kept: Sequence[shards.Shard]) -> StreamSummary:
        """DescribeStreamSummary, given the shards still kept (open, and closed within the
        retention period)."""
        return StreamSummary(
            stream_name=self.name,
            stream_arn=self.arn,
            stream_status="ACTIVE",
            retention_period_hours=self.config.retention_period_hours,
            stream_creation_timestamp=self.created_at / 1000,
            open_shard_count=sum(1 for shard in kept if not shard.closed),
            shard_count=len(kept),
        )


class Catalog:
    """The declared streams of one file, by name; creates or reshards them on open."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        streams: Mapping[str, StreamConfig],
        *,
        region: str,
        account: str,
        now: int,
    ) -> None:
        self._region = region
        self._account = account
        self._streams: dict[str, Stream] = {}
        for name, config in streams.items():
            self._streams[name] = self._declare(conn, name, config, now)
        conn.execute(CREATED_STREAMS)
        for name, config in load_created_streams(conn).items():
            if name not in self._streams:
                self._streams[name] = self._declare(conn, name, config, now)

    def _declare(
        self, conn: sqlite3.Connection, name: str, config: StreamConfig, now: int
    ) -> Stream:
        row = conn.execute(
            "SELECT id, created_at, declared_shard_count FROM streams WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            stream_id = _create(conn, name, config.shard_count, now)
            created_at = now
        else:
            stream_id, created_at, declared = row
            if declared != config.shard_count:
                reshard(conn, stream_id, config.shard_count, now)
                conn.execute(
                    "UPDATE streams SET declared_shard_count = ? WHERE id = ?",
                    (config.shard_count, stream_id),
                )
        stream_arn = arnlib.kinesis_stream(self._region, self._account, name)
        return Stream(stream_id, name, stream_arn, config, created_at)

    def declare(
        self,
        conn: sqlite3.Connection,
        name: str,
        config: StreamConfig,
        now: int,
        *,
        remember: bool = True,
    ) -> Stream:
        """Declare one more stream at run time (CreateStream), remembered until deleted
        (``remember``; a table's change stream is remembered with its table instead); the
        known one if declared."""
        found = self._streams.get(name)
        if found is not None:
            return found
        found = self._streams[name] = self._declare(conn, name, config, now)
        if remember:
            conn.execute(
                "INSERT OR REPLACE INTO created_streams "
                "(name, shard_count, retention_period_hours) VALUES (?, ?, ?)",
                (name, config.shard_count, config.retention_period_hours),
            )
        return found

    def forget(self, conn: sqlite3.Connection, stream: Stream) -> None:
        """DeleteStream: the stream's row, shards and records go, and it is not declared
        again at the next open unless the file declares it."""
        conn.execute("DELETE FROM records WHERE stream_id = ?", (stream.id,))
        conn.execute("DELETE FROM shards WHERE stream_id = ?", (stream.id,))
        conn.execute("DELETE FROM streams WHERE id = ?", (stream.id,))
        conn.execute("DELETE FROM created_streams WHERE name = ?", (stream.name,))
        self._streams.pop(stream.name, None)

    def names(self) -> list[str]:
        """The declared streams' names."""
        return list(self._streams)

    def get(self, stream: str) -> Stream:
        """The declared stream a name or stream ARN names.

        Raises ResourceNotFoundException with Kinesis's text for anything else, including
        an ARN of another region or account.
        """
        name, account = stream, self._account
        parsed = arnlib.parse(stream)
        if parsed is not None:
            name, account = parsed.resource_name, parsed.account
            local = (parsed.service, parsed.region, parsed.account) == (
                "kinesis",
                self._region,
                self._account,
            )
            if not local or parsed.resource != f"stream/{name}":
                name = ""  # never a declared stream
        found = self._streams.get(name)
        if found is None:
            shown = parsed.resource_name if parsed is not None else stream
            raise ResourceNotFoundException(f"Stream {shown} under account {account} not found.")
        return found

    def shard(self, conn: sqlite3.Connection, stream: Stream, text: str) -> shards.Shard:
        """The shard a shard id names; ResourceNotFoundException with Kinesis's text if none.

        A malformed id "could not be found"; a well-formed one that the stream does not
        have (never had, or forgot after the retention period) "does not exist".
        """
        index = sequence.parse_shard_id(text)
        if index is None:
            raise ResourceNotFoundException(
                f"Could not find shard {text} in stream {stream.name} "
                f"under account {self._account}."
            )
        found = shards.load_one(conn, stream.id, index)
        if found is None:
            raise ResourceNotFoundException(
                f"Shard {sequence.shard_id(index)} in stream {stream.name} "
                f"under account {self._account} does not exist"
            )
        return found


def _create(conn: sqlite3.Connection, name: str, shard_count: int, now: int) -> int:
    """Insert a stream row and its first shards, evenly splitting the hash space."""
    cursor = conn.execute(
        "INSERT INTO streams (name, created_at, counter, next_shard, declared_shard_count) "
        "VALUES (?, ?, ?, ?, ?)",
        (name, now, shard_count, shard_count, shard_count),
    )
    stream_id = cursor.lastrowid
    assert stream_id is not None
    for shard in shards.first_shards(shard_count):
        shards.insert(conn, stream_id, shard)
    return stream_id


def reshard(conn: sqlite3.Connection, stream_id: int, target: int, now: int) -> ReshardPlan:
    """Reshard a stream to ``target`` even shards now, closing parents and opening children.

    Writes the plan and bumps the stream's generation so writers reload their routing.
    """
    counter, next_index = conn.execute(
        "SELECT counter, next_shard FROM streams WHERE id = ?", (stream_id,)
    ).fetchone()
    open_shards = [(s.index, s.hash_range) for s in shards.load_open(conn, stream_id)]
    plan = plan_uniform_scaling(open_shards, target, counter=counter, next_index=next_index)
    if plan.empty:
        return plan
    for index, end_counter in plan.closed.items():
        shards.close(conn, stream_id, index, end_counter, now)
    for planned in plan.created:
        shards.insert(conn, stream_id, shards.from_plan(planned, now))
    conn.execute(
        "UPDATE streams SET counter = ?, next_shard = ?, generation = generation + 1 WHERE id = ?",
        (plan.counter, plan.next_index, stream_id),
    )
    return plan
