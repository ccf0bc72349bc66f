"""UpdateShardCount: parents close, children carry parent ids, per-key order holds (§5.5)."""

from __future__ import annotations

import pytest
from streams_helpers import declared_streams, read_lineage, read_shard, stream_arn

from headrace.broker.streams import StreamBroker, even_ranges
from headrace.errors import LimitExceededException, ValidationException


def sid(index: int) -> str:
    return f"shardId-{index:012d}"


def open_ranges(streams: StreamBroker, stream: str) -> list[tuple[int, int]]:
    """The open shards' hash key ranges, lowest first."""
    return sorted(
        (int(s.starting_hash_key), int(s.ending_hash_key))
        for s in streams.list_shards(stream)
        if not s.closed
    )


def test_scaling_up_splits_every_shard(make_streams) -> None:
    """2 -> 4: both parents close; each child's ParentShardId is the shard it split from."""
    streams = make_streams(declared_streams(clicks=2))
    result = streams.update_shard_count("clicks", 4)
    assert (result.current_shard_count, result.target_shard_count) == (2, 4)
    shards = {s.shard_id: s for s in streams.list_shards("clicks")}
    assert shards[sid(0)].closed
    assert shards[sid(1)].closed
    children = [shards[sid(i)] for i in range(2, 6)]
    assert [c.parent_shard_id for c in children] == [sid(0), sid(0), sid(1), sid(1)]
    assert all(c.adjacent_parent_shard_id is None and not c.closed for c in children)


def test_scaling_down_merges_adjacent_shards(make_streams) -> None:
    """4 -> 2: each child is a merge, ParentShardId and AdjacentParentShardId set."""
    streams = make_streams(declared_streams(clicks=4))
    streams.update_shard_count("clicks", 2)
    children = [s for s in streams.list_shards("clicks") if not s.closed]
    assert [(c.parent_shard_id, c.adjacent_parent_shard_id) for c in children] == [
        (sid(0), sid(1)),
        (sid(2), sid(3)),
    ]


def test_open_shards_after_a_reshard_are_even(make_streams) -> None:
    """UNIFORM_SCALING leaves target shards of equal size, as CreateStream would."""
    streams = make_streams(declared_streams(clicks=3))
    streams.update_shard_count("clicks", 5)
    assert open_ranges(streams, "clicks") == [(r.start, r.end) for r in even_ranges(5)]


def test_uneven_reshard_goes_through_closed_temporary_shards(make_streams) -> None:
    """3 -> 5 needs splits then merges; every shard has at most two parents."""
    streams = make_streams(declared_streams(clicks=3))
    streams.update_shard_count("clicks", 5)
    shards = streams.list_shards("clicks")
    temporary = [s for s in shards if s.closed and s.parent_shard_id is not None]
    assert temporary, "some split pieces are merged again"
    assert all(len(s.parent_shard_ids) <= 2 for s in shards)


def test_closed_shards_end_below_their_childrens_start(make_streams) -> None:
    """A parent's EndingSequenceNumber is below its children's StartingSequenceNumber."""
    streams = make_streams(declared_streams(clicks=2))
    streams.put_record("clicks", b"x", "k")
    streams.update_shard_count("clicks", 3)
    shards = {s.shard_id: s for s in streams.list_shards("clicks")}
    for shard in shards.values():
        for parent in shard.parent_shard_ids:
            assert int(shards[parent].ending_sequence_number or "") < int(
                shard.starting_sequence_number
            )


def test_puts_after_a_reshard_go_to_children(make_streams) -> None:
    """Once resharded, no record lands in a closed shard."""
    streams = make_streams(declared_streams(clicks=1))
    streams.update_shard_count("clicks", 2)
    landed = {streams.put_record("clicks", b"x", f"k{i}").shard_id for i in range(20)}
    assert landed == {sid(1), sid(2)}


def test_reading_a_closed_shard_to_its_end_names_its_children(make_streams) -> None:
    """At a closed shard's end NextShardIterator is None and the children are listed."""
    streams = make_streams(declared_streams(clicks=1))
    streams.put_record("clicks", b"before", "k")
    streams.update_shard_count("clicks", 2)
    result = streams.get_records(streams.get_shard_iterator("clicks", sid(0), "TRIM_HORIZON"))
    assert [r.data for r in result.records] == [b"before"]
    assert result.next_shard_iterator is None
    assert [c.shard_id for c in result.child_shards] == [sid(1), sid(2)]


def test_an_iterator_made_before_the_reshard_reaches_the_end(make_streams) -> None:
    """A reader at the tip of a shard that then closes gets its end, not more records."""
    streams = make_streams(declared_streams(clicks=1))
    iterator = streams.get_shard_iterator("clicks", sid(0), "LATEST")
    streams.update_shard_count("clicks", 2)
    streams.put_record("clicks", b"after", "k")
    result = streams.get_records(iterator)
    assert result.records == ()
    assert result.next_shard_iterator is None


def test_per_key_order_holds_across_a_reshard(make_streams) -> None:
    """§5.5: reading parents before children gives each key's records in put order."""
    streams = make_streams(declared_streams(clicks=2))
    for i in range(10):
        streams.put_record("clicks", f"a{i}".encode(), f"key-{i % 4}")
    streams.update_shard_count("clicks", 3)
    for i in range(10, 20):
        streams.put_record("clicks", f"a{i}".encode(), f"key-{i % 4}")
    streams.update_shard_count("clicks", 2)
    for i in range(20, 30):
        streams.put_record("clicks", f"a{i}".encode(), f"key-{i % 4}")
    by_key: dict[str, list[int]] = {}
    for record in read_lineage(streams, "clicks"):
        by_key.setdefault(record.partition_key, []).append(int(record.data[1:]))
    assert by_key == {f"key-{k}": list(range(k, 30, 4)) for k in range(4)}


def test_scaling_past_double_is_limit_exceeded(make_streams) -> None:
    """UpdateShardCount cannot more than double the open shards in one call."""
    streams = make_streams(declared_streams(clicks=2))
    with pytest.raises(LimitExceededException) as caught:
        streams.update_shard_count("clicks", 5)
    assert caught.value.message == (
        "UpdateShardCount cannot scale up over double your current open shard count. "
        "Current open shard count: 2, Target shard count: 5"
    )


def test_scaling_below_half_is_limit_exceeded(make_streams) -> None:
    """UpdateShardCount cannot go below half the open shards in one call."""
    streams = make_streams(declared_streams(clicks=5))
    with pytest.raises(LimitExceededException, match="cannot scale down below half"):
        streams.update_shard_count("clicks", 2)


def test_target_below_one_is_a_validation_error(streams: StreamBroker) -> None:
    """TargetShardCount is at least 1."""
    with pytest.raises(ValidationException, match="'targetShardCount'"):
        streams.update_shard_count("clicks", 0)


def test_same_count_changes_nothing(streams: StreamBroker) -> None:
    """Resharding to the current even layout leaves the shards as they are."""
    before = streams.list_shards("orders")
    streams.update_shard_count("orders", 3)
    assert streams.list_shards("orders") == before


def test_a_reshard_wakes_the_stream(streams: StreamBroker, woken: list[str]) -> None:
    """Readers waiting at a shard's tip learn it closed."""
    streams.update_shard_count("clicks", 2)
    assert woken == [stream_arn("clicks")]


def test_changed_shard_count_in_the_config_reshards_on_open(make_streams) -> None:
    """A new ShardCount in headrace.yaml reshards the stream when the broker opens."""
    make_streams(declared_streams(clicks=1)).put_record("clicks", b"kept", "k")
    streams = make_streams(declared_streams(clicks=4))
    assert open_ranges(streams, "clicks") == [(r.start, r.end) for r in even_ranges(4)]
    assert [r.data for r in read_shard(streams, "clicks", sid(0))] == [b"kept"]


def test_runtime_reshard_survives_reopening_with_the_same_config(make_streams) -> None:
    """Only a change of the declared ShardCount reshards; UpdateShardCount's result stays."""
    make_streams(declared_streams(clicks=1)).update_shard_count("clicks", 2)
    streams = make_streams(declared_streams(clicks=1))
    assert streams.stream_summary("clicks").open_shard_count == 2


def test_another_writer_sees_the_reshard(make_streams) -> None:
    """A second broker on the file (another process) routes to the children at once."""
    writer = make_streams(declared_streams(clicks=1))
    writer.put_record("clicks", b"x", "k")
    make_streams(declared_streams(clicks=1)).update_shard_count("clicks", 2)
    assert writer.put_record("clicks", b"y", "k").shard_id in {sid(1), sid(2)}
