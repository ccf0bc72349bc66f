"""The Kinesis service's own logic: shard order, page tokens, ListShards' filter."""

from __future__ import annotations

import pytest

from headrace.api.aws.kinesis_service import _after, _filtered, _read_token, _write_token
from headrace.broker.streams.stream_results import ShardInfo
from headrace.errors import InvalidArgumentException


def shard(index: int, *, closed: bool = False) -> ShardInfo:
    return ShardInfo(
        shard_id=f"shardId-{index:012d}",
        parent_shard_id=None,
        adjacent_parent_shard_id=None,
        starting_hash_key="0",
        ending_hash_key="1",
        starting_sequence_number="1",
        ending_sequence_number="2" if closed else None,
    )


def test_shards_after_an_id_in_shard_order() -> None:
    """ExclusiveStartShardId lists the shards with a greater number, in number order."""
    shards = [shard(10), shard(2), shard(9)]
    assert [s.shard_id for s in _after(shards, None)] == [
        "shardId-000000000002",
        "shardId-000000000009",
        "shardId-000000000010",
    ]
    assert [s.shard_id for s in _after(shards, "shardId-000000000009")] == ["shardId-000000000010"]


def test_page_tokens_round_trip_and_refuse_strangers() -> None:
    """A NextToken reads back as written, only for its own list; anything else is
    InvalidArgumentException."""
    token = _write_token("shards", "clicks", "shardId-000000000001")
    assert _read_token(token, "shards") == ("clicks", "shardId-000000000001")
    with pytest.raises(InvalidArgumentException):
        _read_token(token, "streams")
    with pytest.raises(InvalidArgumentException):
        _read_token("%%%", "shards")


def test_shard_filter() -> None:
    """AT_LATEST keeps open shards; AFTER_SHARD_ID those after its ShardId."""
    shards = [shard(0, closed=True), shard(1), shard(2)]
    latest = _filtered(shards, {"Type": "AT_LATEST"})
    assert [s.shard_id for s in latest] == ["shardId-000000000001", "shardId-000000000002"]
    after = _filtered(shards, {"Type": "AFTER_SHARD_ID", "ShardId": "shardId-000000000001"})
    assert [s.shard_id for s in after] == ["shardId-000000000002"]
    assert len(_filtered(shards, {"Type": "AT_TRIM_HORIZON"})) == 3
