"""Hash keys: how Kinesis maps a record to a shard.

A partition key's MD5 digest, read as a big-endian 128-bit unsigned integer, is the record's
hash key; an ``ExplicitHashKey`` (a decimal string) replaces it. Every open shard owns a
contiguous, inclusive range of hash keys, and together the open shards cover
``[0, 2**128 - 1]`` exactly. A stream of N shards splits the space as Kinesis's CreateStream
and UNIFORM_SCALING do: shard ``i`` starts at ``i * (2**128 // N)`` and the last shard takes
the remainder, so 3 shards end at ...070484, ...140969 and ``2**128 - 1``.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from headrace.errors import InvalidArgumentException

# One past the largest hash key: MD5 digests are 128 bits.
HASH_SPACE = 2**128
# The API's pattern for ExplicitHashKey (checked by validation before the range is).
EXPLICIT_HASH_KEY_PATTERN = re.compile(r"0|([1-9]\d{0,38})")


@dataclass(frozen=True, slots=True)
class HashKeyRange:
    """An inclusive range of hash keys, as Kinesis's ``HashKeyRange`` gives it."""

    start: int
    end: int


def partition_key_hash(partition_key: str) -> int:
    """The hash key Kinesis gives a partition key: MD5 of its UTF-8 bytes, big-endian."""
    digest = hashlib.md5(partition_key.encode("utf-8"), usedforsecurity=False).digest()
    return int.from_bytes(digest, "big")


def explicit_hash_key(text: str) -> int:
    """An ExplicitHashKey's value; InvalidArgumentException if it is past ``2**128 - 1``.

    ``text`` must already match :data:`EXPLICIT_HASH_KEY_PATTERN` (validation checks it).
    """
    value = int(text)
    if value >= HASH_SPACE:
        raise InvalidArgumentException(
            "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
            f"Specified value was {text}"
        )
    return value


def even_ranges(count: int) -> list[HashKeyRange]:
    """``count`` ranges splitting the hash space evenly, as Kinesis splits it."""
    if count < 1:
        raise ValueError(f"a stream needs at least one shard, not {count}")
    width = HASH_SPACE // count
    starts = [width * i for i in range(count)] + [HASH_SPACE]
    return [HashKeyRange(starts[i], starts[i + 1] - 1) for i in range(count)]


class Router:
    """Finds the open shard whose range holds a hash key.

    ``shards`` pairs each open shard's index with its range; the ranges must cover the hash
    space without gaps or overlaps (a ``ValueError`` otherwise, which means a corrupt file).
    """

    def __init__(self, shards: Sequence[tuple[int, HashKeyRange]]) -> None:
        ordered = sorted(shards, key=lambda item: item[1].start)
        expected = 0
        for _, hash_range in ordered:
            if hash_range.start != expected:
                raise ValueError(f"open shards leave hash key {expected} uncovered")
            expected = hash_range.end + 1
        if expected != HASH_SPACE:
            raise ValueError("open shards do not cover the hash space")
        self._starts = [hash_range.start for _, hash_range in ordered]
        self._indexes = [index for index, _ in ordered]

    def shard_for(self, hash_key: int) -> int:
        """The index of the open shard that holds ``hash_key``."""
        return self._indexes[bisect.bisect_right(self._starts, hash_key) - 1]
