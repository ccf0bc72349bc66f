"""Hash keys and shard ranges: partition key -> MD5 -> 128-bit key -> the shard holding it."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from streams_helpers import declared_streams, read_shard

from headrace.broker.streams import HASH_SPACE, StreamBroker, even_ranges, partition_key_hash
from headrace.errors import InvalidArgumentException, ValidationException

# RFC 1321's MD5 test vectors: the digests are known, independent of the code under test.
MD5_VECTORS = {
    "": 0xD41D8CD98F00B204E9800998ECF8427E,
    "a": 0x0CC175B9C0F1B6A831C399E269772661,
    "abc": 0x900150983CD24FB0D6963F7D28E17F72,
    "message digest": 0xF96B697D7CB7938D525A2F31AAF161D0,
}


@pytest.mark.parametrize(("key", "digest"), MD5_VECTORS.items())
def test_hash_key_is_md5_read_big_endian(key: str, digest: int) -> None:
    """A partition key's hash key is its MD5 digest as a 128-bit unsigned integer."""
    assert partition_key_hash(key) == digest


def test_three_shards_split_the_space_as_kinesis_does() -> None:
    """CreateStream with 3 shards gives Kinesis's published hash key ranges."""
    assert [(r.start, r.end) for r in even_ranges(3)] == [
        (0, 113427455640312821154458202477256070484),
        (113427455640312821154458202477256070485, 226854911280625642308916404954512140969),
        (226854911280625642308916404954512140970, 340282366920938463463374607431768211455),
    ]


def test_four_shards_are_quarters() -> None:
    """Four even shards start at multiples of 2**126; the last ends at 2**128 - 1."""
    ranges = even_ranges(4)
    assert [r.start for r in ranges] == [0, 2**126, 2**127, 3 * 2**126]
    assert ranges[-1].end == HASH_SPACE - 1


@given(st.integers(min_value=1, max_value=2_000))
def test_even_ranges_cover_the_space_without_gaps(count: int) -> None:
    """Every shard count tiles [0, 2**128 - 1] with contiguous ranges."""
    ranges = even_ranges(count)
    assert ranges[0].start == 0
    assert ranges[-1].end == HASH_SPACE - 1
    assert all(a.end + 1 == b.start for a, b in itertools.pairwise(ranges))


@pytest.mark.parametrize(("key", "shard"), [("a", 0), ("abc", 2), ("message digest", 3)])
def test_put_routes_by_md5_over_four_shards(make_streams, key: str, shard: int) -> None:
    """A record lands in the shard whose range holds its key's MD5 (top two bits of four)."""
    streams = make_streams(declared_streams(clicks=4))
    assert streams.put_record("clicks", b"x", key).shard_id == f"shardId-{shard:012d}"


@pytest.mark.parametrize(("key", "shard"), [("a", 0), ("abc", 1), ("message digest", 2)])
def test_put_routes_by_md5_over_three_shards(make_streams, key: str, shard: int) -> None:
    """Over 3 shards, thirds of the space: 0x0c.. -> 0, 0x90.. -> 1, 0xf9.. -> 2."""
    streams = make_streams(declared_streams(clicks=3))
    assert streams.put_record("clicks", b"x", key).shard_id == f"shardId-{shard:012d}"


@pytest.mark.parametrize(
    ("hash_key", "shard"),
    [
        ("0", 0),
        ("113427455640312821154458202477256070484", 0),
        ("113427455640312821154458202477256070485", 1),
        (str(HASH_SPACE - 1), 2),
    ],
)
def test_explicit_hash_key_overrides_the_partition_key(
    make_streams, hash_key: str, shard: int
) -> None:
    """An ExplicitHashKey picks the shard, boundaries included; the partition key is kept."""
    streams = make_streams(declared_streams(clicks=3))
    result = streams.put_record("clicks", b"x", "a", explicit_hash_key=hash_key)
    assert result.shard_id == f"shardId-{shard:012d}"
    (record,) = read_shard(streams, "clicks", result.shard_id)
    assert record.partition_key == "a"


def test_explicit_hash_key_past_the_space_is_invalid_argument(streams: StreamBroker) -> None:
    """2**128 is out of range: InvalidArgumentException with Kinesis's text."""
    with pytest.raises(InvalidArgumentException) as caught:
        streams.put_record("clicks", b"x", "k", explicit_hash_key=str(HASH_SPACE))
    assert caught.value.message == (
        "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
        f"Specified value was {HASH_SPACE}"
    )


@pytest.mark.parametrize("hash_key", ["-1", "01", "abc", "1" * 40, ""])
def test_malformed_explicit_hash_key_is_a_validation_error(
    streams: StreamBroker, hash_key: str
) -> None:
    """An ExplicitHashKey must match the API's pattern 0|([1-9]\\d{0,38})."""
    with pytest.raises(ValidationException) as caught:
        streams.put_record("clicks", b"x", "k", explicit_hash_key=hash_key)
    assert caught.value.message == (
        f"1 validation error detected: Value '{hash_key}' at 'explicitHashKey' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})"
    )
