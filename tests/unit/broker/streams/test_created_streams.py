"""The streams CreateStream made, read from a streams file without opening a broker."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from streams_helpers import StreamsFactory

from headrace.broker.streams.created_streams import read_created_streams
from headrace.clock import FakeClock
from headrace.config.resources import StreamConfig


def test_no_file_and_no_table_mean_no_created_streams(tmp_path: Path) -> None:
    """A data_dir without a streams file, or a file written before ``created_streams``
    existed, has no created streams (and reading makes no file)."""
    path = tmp_path / "streams.sqlite3"
    assert read_created_streams(path) == {}
    assert not path.exists()
    sqlite3.connect(path).close()
    assert read_created_streams(path) == {}


def test_created_streams_are_read_until_deleted(
    make_streams: StreamsFactory, streams_path: Path
) -> None:
    """A stream CreateStream made is read with its shard count and retention while the
    broker that made it is open; the file's declared streams are not among them; after
    DeleteStream it is gone."""
    broker = make_streams({"declared": StreamConfig(name="declared")})
    made = StreamConfig(name="made", shard_count=3, retention_period_hours=48)
    broker.create_stream("made", made)
    assert read_created_streams(streams_path) == {"made": made}
    broker.delete_stream("made")
    assert read_created_streams(streams_path) == {}


def test_a_stream_made_again_with_fewer_shards_gets_its_puts(
    make_streams: StreamsFactory, clock: FakeClock
) -> None:
    """DeleteStream, then CreateStream under the name with one shard: a put goes to that
    shard and is read from it (the broker's routing of the deleted stream, whose row id
    SQLite may reuse, is not used again)."""
    broker = make_streams({})
    broker.create_stream("made", StreamConfig(name="made", shard_count=2))
    broker.put_record("made", b"old", "k", explicit_hash_key=str(2**127))
    broker.delete_stream("made")
    clock.advance(1)
    broker.create_stream("made", StreamConfig(name="made", shard_count=1))
    put = broker.put_record("made", b"new", "k", explicit_hash_key=str(2**127))
    assert put.shard_id == "shardId-000000000000"
    iterator = broker.get_shard_iterator("made", put.shard_id, "TRIM_HORIZON")
    assert [r.data for r in broker.get_records(iterator).records] == [b"new"]
