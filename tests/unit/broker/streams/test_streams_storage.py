"""The streams file: wake-ups for the running engine, schema versions, odd corners."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from streams_helpers import ACCOUNT, REGION, StreamsFactory, declared_streams, stream_arn

from headrace.broker.streams import HashKeyRange, PutRecordsEntry, StreamBroker
from headrace.broker.streams.hashing import Router
from headrace.broker.wake_socket import reachable, wake_address
from headrace.clock import FakeClock
from headrace.config.resources import StreamConfig
from headrace.errors import (
    BrokerError,
    InvalidArgumentException,
    ResourceNotFoundException,
    ValidationException,
)

# How long the wake-up test waits for a datagram before failing (a bound, not a timing check).
WAKE_WAIT_S = 5.0


@pytest.fixture
def wake_socket(tmp_path: Path) -> Iterator[socket.socket]:
    """A datagram socket bound where `headrace run` would listen for this data_dir."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    with reachable(wake_address(tmp_path)) as where:
        sock.bind(where)
    sock.settimeout(WAKE_WAIT_S)
    yield sock
    sock.close()


def test_a_put_sends_a_wake_up_to_the_data_dir(
    wake_socket: socket.socket, streams_path: Path, clock: FakeClock
) -> None:
    """Without a notify callback a committed put sends the stream ARN to data_dir's socket."""
    streams = StreamBroker(
        streams_path, declared_streams(), region=REGION, account=ACCOUNT, clock=clock
    )
    try:
        streams.put_record("clicks", b"x", "k")
        assert wake_socket.recv(1024) == stream_arn("clicks").encode()
    finally:
        streams.close()


def test_a_file_from_a_newer_headrace_is_refused(make_streams, streams_path: Path) -> None:
    """A schema version above this code's is a BrokerError, not a misread."""
    make_streams().close()
    with sqlite3.connect(streams_path) as conn:
        conn.execute("PRAGMA user_version=99")
    with pytest.raises(BrokerError, match="newer headrace"):
        make_streams()


def test_router_refuses_shards_that_leave_a_gap() -> None:
    """Open shards must cover the hash space; a gap means a corrupt file."""
    with pytest.raises(ValueError, match="uncovered"):
        Router([(0, HashKeyRange(0, 10)), (1, HashKeyRange(12, 2**128 - 1))])


def test_router_refuses_shards_that_stop_short() -> None:
    """Open shards must reach 2**128 - 1."""
    with pytest.raises(ValueError, match="do not cover"):
        Router([(0, HashKeyRange(0, 10))])


def test_a_forgotten_shard_does_not_exist(make_streams, clock: FakeClock) -> None:
    """An iterator of a shard forgotten after the retention period finds no shard."""
    streams = make_streams(iterator_ttl=None)
    streams.update_shard_count("clicks", 2)
    iterator = streams.get_shard_iterator("clicks", "shardId-000000000000", "TRIM_HORIZON")
    clock.advance(24 * 3600 + 1)
    streams.trim()
    with pytest.raises(ResourceNotFoundException, match="does not exist"):
        streams.get_records(iterator)


def test_at_timestamp_on_a_closed_shard_without_later_records_is_its_end(
    make_streams, clock: FakeClock
) -> None:
    """AT_TIMESTAMP past a closed shard's last record reads nothing and ends the shard."""
    streams = make_streams()
    streams.put_record("clicks", b"x", "k")
    streams.update_shard_count("clicks", 2)
    clock.advance(1)
    iterator = streams.get_shard_iterator(
        "clicks", "shardId-000000000000", "AT_TIMESTAMP", timestamp=clock.time()
    )
    result = streams.get_records(iterator)
    assert result.records == ()
    assert result.next_shard_iterator is None


def test_foreign_checkpoint_is_invalid_argument(make_streams) -> None:
    """has_records_after() refuses a sequence number this broker cannot have made."""
    with pytest.raises(InvalidArgumentException):
        make_streams().has_records_after("clicks", "shardId-000000000000", "42")


def test_target_over_the_api_maximum_is_a_validation_error(make_streams) -> None:
    """TargetShardCount is at most 100,000 in the API model."""
    with pytest.raises(ValidationException, match="less than or equal to 100000"):
        make_streams().update_shard_count("clicks", 100_001)


def test_put_records_names_a_bad_partition_key_by_position(make_streams) -> None:
    """records.N.member.partitionKey names the entry whose key is empty."""
    batch = [
        PutRecordsEntry(data=b"x", partition_key="k"),
        PutRecordsEntry(data=b"x", partition_key=""),
    ]
    with pytest.raises(ValidationException, match=r"at 'records\.2\.member\.partitionKey'"):
        make_streams().put_records("clicks", batch)


def test_created_streams_are_declared_again_at_every_open_until_deleted(
    make_streams: StreamsFactory,
) -> None:
    """A stream made by create_stream (CreateStream on the endpoint) is kept in the file: a
    broker opened later, with a config that does not declare it, has it with its records;
    after delete_stream no later broker has it."""
    first = make_streams()
    first.create_stream("made", StreamConfig(name="made", shard_count=3))
    put = first.put_record("made", b"kept", "k")
    first.close()
    second = make_streams()
    assert "made" in second.stream_names
    assert second.stream_summary("made").open_shard_count == 3
    iterator = second.get_shard_iterator("made", put.shard_id, "TRIM_HORIZON")
    assert [r.data for r in second.get_records(iterator).records] == [b"kept"]
    second.delete_stream("made")
    second.close()
    third = make_streams()
    assert "made" not in third.stream_names
    with pytest.raises(ResourceNotFoundException):
        third.stream_summary("made")


def test_the_file_declaration_wins_over_a_created_stream(make_streams: StreamsFactory) -> None:
    """A name both created at run time and declared in the file takes the file's config."""
    first = make_streams({})
    first.create_stream("both", StreamConfig(name="both", shard_count=1, retention_period_hours=48))
    first.close()
    declared = make_streams({"both": StreamConfig(name="both", shard_count=1)})
    assert declared.stream_summary("both").retention_period_hours == 24
