"""UpdateShardCount (UNIFORM_SCALING) as a plan of Kinesis splits and merges.

Kinesis reshards a stream to ``target`` shards of equal size with SplitShard and MergeShards
steps, creating temporary shards on the way; every shard it makes has one parent (a split)
or two adjacent parents (a merge). :func:`plan_uniform_scaling` does the same in two passes:

1. **split**: every open shard that a new boundary cuts is closed and split into its pieces
   at those boundaries (each piece's ``ParentShardId`` is the shard it came from; headrace
   splits into several pieces at once where Kinesis would chain two-way splits);
2. **merge**: the pieces inside each target range are merged left to right, two at a time
   (``ParentShardId`` the left piece, ``AdjacentParentShardId`` the right). Pieces and
   merges that are not yet a whole target range are temporary shards: closed at once,
   they never hold a record.

An open shard whose range is already a target range stays open. Target boundaries that
equal a current boundary up to rounding keep the current one (:func:`target_ranges`), so
3 -> 6 splits each shard in two instead of shaving one hash key off a neighbour. The plan
is pure: it also hands out the stream counter values that become the shards' starting and
ending sequence numbers, parents' ending values always below their children's starting ones.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from headrace.broker.streams.hashing import HASH_SPACE, HashKeyRange, even_ranges


@dataclass(frozen=True, kw_only=True, slots=True)
class PlannedShard:
    """A shard the reshard creates; ``end_counter`` is set if it is closed at once."""

    index: int
    hash_range: HashKeyRange
    parent: int
    adjacent_parent: int | None = None
    start_counter: int
    end_counter: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class ReshardPlan:
    """What a reshard does: the open shards it closes and the shards it creates, in order.

    ``closed`` maps each closed shard's index to its ending counter value; ``counter`` is the
    stream's counter after the plan and ``next_index`` the next free shard index.
    """

    closed: dict[int, int]
    created: tuple[PlannedShard, ...]
    counter: int
    next_index: int

    @property
    def empty(self) -> bool:
        return not self.closed and not self.created


@dataclass(frozen=True, slots=True)
class _Piece:
    index: int
    hash_range: HashKeyRange


@dataclass(slots=True)
class _Planner:
    counters: Iterator[int]
    indexes: Iterator[int]
    closed: dict[int, int] = field(default_factory=dict)
    created: dict[int, PlannedShard] = field(default_factory=dict)

    def split(self, index: int, hash_range: HashKeyRange, cuts: list[int]) -> list[_Piece]:
        self.closed[index] = next(self.counters)
        bounds = [hash_range.start, *cuts, hash_range.end + 1]
        pieces = []
        for start, stop in itertools.pairwise(bounds):
            piece = _Piece(next(self.indexes), HashKeyRange(start, stop - 1))
            self.created[piece.index] = PlannedShard(
                index=piece.index,
                hash_range=piece.hash_range,
                parent=index,
                start_counter=next(self.counters),
            )
            pieces.append(piece)
        return pieces

    def merge(self, left: _Piece, right: _Piece) -> _Piece:
        for piece in (left, right):
            self._close(piece.index)
        merged = _Piece(
            next(self.indexes), HashKeyRange(left.hash_range.start, right.hash_range.end)
        )
        self.created[merged.index] = PlannedShard(
            index=merged.index,
            hash_range=merged.hash_range,
            parent=left.index,
            adjacent_parent=right.index,
            start_counter=next(self.counters),
        )
        return merged

    def _close(self, index: int) -> None:
        planned = self.created.get(index)
        if planned is None:
            self.closed[index] = next(self.counters)  # an original open shard
        else:
            self.created[index] = replace(planned, end_counter=next(self.counters))


def target_ranges(current: Sequence[HashKeyRange], target: int) -> list[HashKeyRange]:
    """``target`` even ranges, each boundary snapped to a current one it equals up to rounding.

    Even boundaries are ``i * (2**128 // n)``: the same fraction of the space gives values a
    few units apart for different n (a third is 1 more than two sixths). Kinesis does not
    cut a shard one hash key off its edge, so such a boundary keeps the current value.
    """
    existing = sorted(hash_range.start for hash_range in current)
    tolerance = max(target, len(current))
    cuts = []
    for hash_range in even_ranges(target)[1:]:
        cut = hash_range.start
        position = bisect.bisect_left(existing, cut)
        near = [existing[i] for i in (position - 1, position) if 0 <= i < len(existing)]
        closest = min(near, key=lambda start: abs(start - cut), default=cut)
        cuts.append(closest if 0 < abs(closest - cut) <= tolerance else cut)
    bounds = [0, *cuts, HASH_SPACE]
    return [HashKeyRange(start, stop - 1) for start, stop in itertools.pairwise(bounds)]


def plan_uniform_scaling(
    open_shards: Sequence[tuple[int, HashKeyRange]], target: int, *, counter: int, next_index: int
) -> ReshardPlan:
    """Plan the reshard of ``open_shards`` (index, range) into ``target`` equal shards.

    ``counter`` is the stream's last handed-out counter value, ``next_index`` its next free
    shard index. Raises ``ValueError`` if ``target`` is below 1.
    """
    targets = target_ranges([hash_range for _, hash_range in open_shards], target)
    cuts = [hash_range.start for hash_range in targets[1:]]
    planner = _Planner(itertools.count(counter + 1), itertools.count(next_index))
    pieces: list[_Piece] = []
    for index, hash_range in sorted(open_shards, key=lambda item: item[1].start):
        inner = [cut for cut in cuts if hash_range.start < cut <= hash_range.end]
        if inner:
            pieces.extend(planner.split(index, hash_range, inner))
        else:
            pieces.append(_Piece(index, hash_range))
    remaining = iter(pieces)
    for target_range in targets:
        merged = next(remaining)
        while merged.hash_range.end < target_range.end:
            merged = planner.merge(merged, next(remaining))
        if merged.hash_range != target_range:
            raise ValueError(f"open shards do not line up with {target_range}")
    return ReshardPlan(
        closed=planner.closed,
        created=tuple(planner.created.values()),
        counter=next(planner.counters) - 1,
        next_index=next(planner.indexes),
    )
