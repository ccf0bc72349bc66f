"""Retention: records older than RetentionPeriodHours are never read and are trimmed."""

from __future__ import annotations

from streams_helpers import read_shard

from headrace.broker.streams import SWEEP_INTERVAL_MS, StreamBroker
from headrace.clock import FakeClock
from headrace.config.resources import StreamConfig

HOUR = 3600.0
SHARD = "shardId-000000000000"


def short_lived(make_streams) -> StreamBroker:
    """A broker whose ``clicks`` keeps records for the minimum 24 hours."""
    return make_streams({"clicks": StreamConfig(name="clicks", retention_period_hours=24)})


def test_records_past_retention_are_not_read_even_before_trimming(
    make_streams, clock: FakeClock
) -> None:
    """§7.7: a record older than the retention period is gone for readers at once."""
    streams = short_lived(make_streams)
    streams.put_record("clicks", b"old", "k")
    clock.advance(23 * HOUR)
    streams.put_record("clicks", b"young", "k")
    clock.advance(HOUR)
    assert [r.data for r in read_shard(streams, "clicks", SHARD)] == [b"young"]


def test_trim_deletes_expired_records_and_counts_them(make_streams, clock: FakeClock) -> None:
    """trim() deletes what expired and reports how many records it deleted."""
    streams = short_lived(make_streams)
    for body in (b"1", b"2"):
        streams.put_record("clicks", body, "k")
    clock.advance(24 * HOUR + 1)
    assert streams.trim() == 2
    assert streams.statistics().records_trimmed == 2
    assert streams.trim() == 0


def test_trim_keeps_records_inside_the_retention_period(make_streams, clock: FakeClock) -> None:
    """A record exactly one millisecond inside the period survives trim()."""
    streams = short_lived(make_streams)
    streams.put_record("clicks", b"kept", "k")
    clock.advance(24 * HOUR - 0.001)
    assert streams.trim() == 0
    assert [r.data for r in read_shard(streams, "clicks", SHARD)] == [b"kept"]


def test_trim_horizon_after_a_trim_starts_at_the_oldest_untrimmed_record(
    make_streams, clock: FakeClock
) -> None:
    """§7.1: TRIM_HORIZON is the oldest record still in the shard."""
    streams = short_lived(make_streams)
    streams.put_record("clicks", b"old", "k")
    clock.advance(12 * HOUR)
    streams.put_record("clicks", b"new", "k")
    clock.advance(12 * HOUR + 1)
    streams.trim()
    assert [r.data for r in read_shard(streams, "clicks", SHARD)] == [b"new"]


def test_puts_trim_by_themselves(make_streams, clock: FakeClock) -> None:
    """A put more than a sweep interval after the last trims expired records on its own."""
    streams = short_lived(make_streams)
    streams.put_record("clicks", b"old", "k")
    clock.advance(24 * HOUR + SWEEP_INTERVAL_MS / 1000)
    streams.put_record("clicks", b"new", "k")
    assert streams.statistics().records_trimmed == 1


def test_longer_retention_keeps_records_longer(make_streams, clock: FakeClock) -> None:
    """RetentionPeriodHours is per stream: 48 hours keeps a day-and-a-half-old record."""
    streams = make_streams({"clicks": StreamConfig(name="clicks", retention_period_hours=48)})
    streams.put_record("clicks", b"kept", "k")
    clock.advance(36 * HOUR)
    assert streams.trim() == 0
    assert [r.data for r in read_shard(streams, "clicks", SHARD)] == [b"kept"]


def test_closed_shards_are_forgotten_after_the_retention_period(
    make_streams, clock: FakeClock
) -> None:
    """A parent closed longer ago than the retention period leaves ListShards."""
    streams = short_lived(make_streams)
    streams.update_shard_count("clicks", 2)
    clock.advance(24 * HOUR + 1)
    streams.trim()
    listed = streams.list_shards("clicks")
    assert [s.shard_id for s in listed] == ["shardId-000000000001", "shardId-000000000002"]
    assert streams.statistics().shards_trimmed == 1


def test_children_keep_naming_a_forgotten_parent(make_streams, clock: FakeClock) -> None:
    """After the parent is forgotten its children still carry its id, as in Kinesis."""
    streams = short_lived(make_streams)
    streams.update_shard_count("clicks", 2)
    clock.advance(24 * HOUR + 1)
    streams.trim()
    assert {s.parent_shard_id for s in streams.list_shards("clicks")} == {SHARD}
