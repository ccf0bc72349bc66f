"""ListShards, DescribeStreamSummary, the tip helpers the engine needs, statistics, exports."""

from __future__ import annotations

from streams_helpers import stream_arn

import headrace.broker.streams as package
from headrace.broker.streams import StreamBroker
from headrace.clock import FakeClock

SHARD = "shardId-000000000000"


def test_list_shards_has_kinesis_shape(streams: StreamBroker) -> None:
    """ListShards entries carry ShardId, HashKeyRange and SequenceNumberRange as strings."""
    (shard,) = streams.list_shards("clicks")
    aws = shard.to_aws()
    assert aws["ShardId"] == SHARD
    assert aws["HashKeyRange"] == {
        "StartingHashKey": "0",
        "EndingHashKey": "340282366920938463463374607431768211455",
    }
    assert aws["SequenceNumberRange"].keys() == {"StartingSequenceNumber"}
    assert "ParentShardId" not in aws


def test_a_closed_shard_shows_its_ending_sequence_number(streams: StreamBroker) -> None:
    """After a reshard the parent's SequenceNumberRange has an EndingSequenceNumber."""
    streams.update_shard_count("clicks", 2)
    parent = streams.list_shards("clicks")[0].to_aws()
    assert parent["SequenceNumberRange"].keys() == {
        "StartingSequenceNumber",
        "EndingSequenceNumber",
    }


def test_records_sort_inside_their_shards_sequence_range(streams: StreamBroker) -> None:
    """A record's number lies between its shard's starting and ending numbers."""
    number = streams.put_record("clicks", b"x", "k").sequence_number
    streams.update_shard_count("clicks", 2)
    shard = streams.list_shards("clicks")[0]
    assert shard.starting_sequence_number < number < (shard.ending_sequence_number or "")


def test_stream_summary_counts_open_and_kept_shards(streams: StreamBroker) -> None:
    """DescribeStreamSummary: OpenShardCount counts only open shards."""
    streams.update_shard_count("orders", 6)
    summary = streams.stream_summary("orders")
    assert (summary.open_shard_count, summary.shard_count) == (6, 9)
    aws = summary.to_aws()
    assert aws["StreamARN"] == stream_arn("orders")
    assert aws["StreamStatus"] == "ACTIVE"
    assert aws["RetentionPeriodHours"] == 24
    assert aws["StreamCreationTimestamp"] == 1_700_000_000.0


def test_stream_names_and_arns(streams: StreamBroker) -> None:
    """The declared streams are listed by name; each has its Kinesis ARN."""
    assert streams.stream_names == ["clicks", "orders"]
    assert streams.stream_arn("orders") == stream_arn("orders")


def test_tip_of_an_empty_shard_has_no_sequence(streams: StreamBroker) -> None:
    """A shard with no record has no latest sequence number."""
    tip = streams.tip("clicks", SHARD)
    assert tip.latest_sequence_number is None
    assert tip.latest_arrival_timestamp is None
    assert not tip.closed


def test_tip_is_the_newest_record(streams: StreamBroker, clock: FakeClock) -> None:
    """The tip is the last record put in the shard, with its arrival time."""
    streams.put_record("clicks", b"1", "k")
    clock.advance(2)
    last = streams.put_record("clicks", b"2", "k").sequence_number
    tip = streams.tip("clicks", SHARD)
    assert tip.latest_sequence_number == last
    assert tip.latest_arrival_timestamp == 1_700_000_002.0
    assert streams.latest_sequence("clicks", SHARD) == last


def test_checkpoint_at_the_tip_has_nothing_after_it(streams: StreamBroker) -> None:
    """A consumer checkpointed at the newest record is drained; one record behind is not."""
    first = streams.put_record("clicks", b"1", "k").sequence_number
    last = streams.put_record("clicks", b"2", "k").sequence_number
    assert streams.has_records_after("clicks", SHARD, first)
    assert not streams.has_records_after("clicks", SHARD, last)


def test_no_checkpoint_means_every_record_is_after_it(streams: StreamBroker) -> None:
    """Without a checkpoint, any record in the shard is pending."""
    assert not streams.has_records_after("clicks", SHARD, None)
    streams.put_record("clicks", b"1", "k")
    assert streams.has_records_after("clicks", SHARD, None)


def test_statistics_count_this_process_work(streams: StreamBroker) -> None:
    """statistics() counts puts, reads, GetRecords calls and reshards of this broker."""
    streams.put_record("clicks", b"1", "k")
    streams.get_records(streams.get_shard_iterator("clicks", SHARD, "TRIM_HORIZON"))
    streams.update_shard_count("clicks", 2)
    stats = streams.statistics()
    assert (stats.records_put, stats.records_read, stats.get_records_calls, stats.reshards) == (
        1,
        1,
        1,
        1,
    )


def test_exports_are_sorted_and_importable() -> None:
    """The package's __all__ is sorted (constants, classes, functions) and every name exists."""
    names = package.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    assert all(hasattr(package, name) for name in names)
