"""Properties: reshard plans keep Kinesis's lineage rules; per-key order holds across them."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from streams_helpers import ACCOUNT, REGION, declared_streams, read_lineage

from headrace.broker.streams import StreamBroker, even_ranges
from headrace.broker.streams.hashing import HashKeyRange
from headrace.broker.streams.resharding import plan_uniform_scaling
from headrace.clock import FakeClock

counts = st.integers(min_value=1, max_value=40)


@given(counts, counts)
def test_a_plan_opens_even_ranges_up_to_rounding(start: int, target: int) -> None:
    """After any reshard the open shards are the target's even ranges, give or take rounding."""
    layout = list(enumerate(even_ranges(start)))
    plan = plan_uniform_scaling(layout, target, counter=start, next_index=start)
    still_open = [r for i, r in layout if i not in plan.closed]
    opened = [p.hash_range for p in plan.created if p.end_counter is None]
    result = sorted(still_open + opened, key=lambda r: r.start)
    assert len(result) == target
    for got, even in zip(result, even_ranges(target), strict=True):
        assert abs(got.start - even.start) <= max(start, target)


@given(st.integers(min_value=1, max_value=20), st.integers(min_value=2, max_value=4))
def test_multiplying_the_count_only_splits(start: int, factor: int) -> None:
    """n -> k*n splits every shard in k pieces: no temporary shards, no merges."""
    layout = list(enumerate(even_ranges(start)))
    plan = plan_uniform_scaling(layout, start * factor, counter=start, next_index=start)
    assert len(plan.created) == start * factor
    assert all(p.adjacent_parent is None and p.end_counter is None for p in plan.created)


@given(st.integers(min_value=1, max_value=20), st.integers(min_value=2, max_value=4))
def test_dividing_the_count_only_merges(target: int, factor: int) -> None:
    """k*n -> n merges neighbours: every new shard is a merge, nothing is split."""
    start = target * factor
    layout = list(enumerate(even_ranges(start)))
    plan = plan_uniform_scaling(layout, target, counter=start, next_index=start)
    assert all(p.adjacent_parent is not None for p in plan.created)
    assert sorted(plan.closed) == list(range(start))


@given(counts, counts)
def test_every_planned_shard_has_kinesis_parents(start: int, target: int) -> None:
    """A split child lies inside its one parent; a merge joins two adjacent parents."""
    layout = list(enumerate(even_ranges(start)))
    plan = plan_uniform_scaling(layout, target, counter=start, next_index=start)
    ranges: dict[int, HashKeyRange] = dict(layout)
    for shard in plan.created:
        parent = ranges[shard.parent]
        if shard.adjacent_parent is None:
            assert parent.start <= shard.hash_range.start <= shard.hash_range.end <= parent.end
        else:
            adjacent = ranges[shard.adjacent_parent]
            assert parent.end + 1 == adjacent.start
            assert shard.hash_range == HashKeyRange(parent.start, adjacent.end)
        ranges[shard.index] = shard.hash_range


@given(counts, counts)
def test_parents_end_before_their_children_start(start: int, target: int) -> None:
    """Counter values: a parent's ending value is below its children's starting value."""
    layout = list(enumerate(even_ranges(start)))
    plan = plan_uniform_scaling(layout, target, counter=start, next_index=start)
    ends = dict(plan.closed) | {
        p.index: p.end_counter for p in plan.created if p.end_counter is not None
    }
    for shard in plan.created:
        for parent in (shard.parent, shard.adjacent_parent):
            if parent is not None:
                assert ends[parent] < shard.start_counter
    assert plan.counter >= max([shard.start_counter for shard in plan.created], default=start)


operations = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.integers(min_value=0, max_value=7)),
        st.tuples(st.just("reshard"), st.floats(min_value=0.5, max_value=2.0)),
    ),
    max_size=40,
)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=4), operations)
def test_records_of_a_key_come_back_in_put_order(shard_count: int, steps: list) -> None:
    """§5.5: from TRIM_HORIZON, parents before children, each key's records keep put order."""
    with tempfile.TemporaryDirectory() as folder:
        streams = StreamBroker(
            Path(folder) / "streams.sqlite3",
            declared_streams(clicks=shard_count),
            region=REGION,
            account=ACCOUNT,
            clock=FakeClock(),
            notify=lambda _: None,
        )
        try:
            put: dict[str, list[bytes]] = {}
            for number, (kind, value) in enumerate(steps):
                if kind == "put":
                    key, data = f"key-{value}", str(number).encode()
                    streams.put_record("clicks", data, key)
                    put.setdefault(key, []).append(data)
                else:
                    current = streams.stream_summary("clicks").open_shard_count
                    target = min(2 * current, max(-(-current // 2), round(current * value)))
                    streams.update_shard_count("clicks", target)
            read: dict[str, list[bytes]] = {}
            for record in read_lineage(streams, "clicks"):
                read.setdefault(record.partition_key, []).append(record.data)
            assert read == put
        finally:
            streams.close()
