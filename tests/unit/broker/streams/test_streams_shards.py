"""Shard bookkeeping both stream backends share: first shards, a reshard's shards, lineage."""

from __future__ import annotations

from headrace.broker.streams import even_ranges
from headrace.broker.streams.resharding import PlannedShard
from headrace.broker.streams.shards import first_shards, from_plan


def test_first_shards_split_the_hash_space_evenly_without_parents() -> None:
    """A new stream's shards cover even ranges, have no parents and start at counter i + 1."""
    made = first_shards(3)
    assert [s.hash_range for s in made] == even_ranges(3)
    assert [(s.index, s.parent, s.adjacent_parent) for s in made] == [
        (i, None, None) for i in range(3)
    ]
    assert [s.start_counter for s in made] == [1, 2, 3]
    assert not any(s.closed for s in made)


def test_a_temporary_planned_shard_is_closed_when_made() -> None:
    """A reshard's temporary shard (it has an end) is closed at once; a lasting one is open."""
    (whole,) = even_ranges(1)
    lasting = PlannedShard(index=4, hash_range=whole, parent=1, start_counter=9)
    temporary = PlannedShard(index=5, hash_range=whole, parent=1, start_counter=9, end_counter=10)
    assert from_plan(lasting, now=1_000).closed_at is None
    made = from_plan(temporary, now=1_000)
    assert (made.closed, made.closed_at, made.end_counter) == (True, 1_000, 10)


def test_closing_keeps_lineage_and_names_children() -> None:
    """A closed shard keeps its range and start; a child names its parent and adjacent parent."""
    (whole,) = even_ranges(1)
    child = from_plan(
        PlannedShard(index=3, hash_range=whole, parent=1, adjacent_parent=2, start_counter=7), 0
    )
    assert [child.is_child_of(i) for i in (1, 2, 3)] == [True, True, False]
    parent = first_shards(1)[0].closed_with(6, now=500)
    assert (parent.end_counter, parent.closed_at, parent.start_counter) == (6, 500, 1)
    assert parent.hash_range == whole
