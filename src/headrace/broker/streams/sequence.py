"""Sequence numbers and shard ids: the text forms Kinesis shows, and what they encode.

A sequence number is 56 decimal digits, like Kinesis's: ``49``, then the stream's counter
at the time (44 digits), then the shard's index (10 digits). The counter is one per stream
and moves forward with every record put and every shard opened or closed, so

- within a shard sequence numbers increase in put order, and are unique across shards;
- being fixed-width, they compare the same as text and as numbers;
- a child shard's records all sort after its parents' (children open after parents close),
  so "greater sequence number" means "put later" along a shard's whole lineage.

A shard id is ``shardId-`` and the shard's index in 12 digits, as Kinesis numbers them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Kinesis's sequence numbers are 56 digits; keeping the width lets tools that parse or
# store them (fixed-width columns, lexicographic sorting) treat ours the same.
SEQUENCE_DIGITS = 56
# Kinesis's sequence numbers start with "49"; ours do too, so they look familiar in logs.
SEQUENCE_PREFIX = "49"
# Digits for the shard index: Kinesis shard indexes stay below 2**31.
SHARD_DIGITS = 10
# The rest is the stream's counter: 44 digits never run out.
COUNTER_DIGITS = SEQUENCE_DIGITS - len(SEQUENCE_PREFIX) - SHARD_DIGITS
_SEQUENCE = re.compile(rf"{SEQUENCE_PREFIX}(\d{{{COUNTER_DIGITS}}})(\d{{{SHARD_DIGITS}}})")
# Kinesis numbers shards with 12 digits: shardId-000000000000.
SHARD_ID_DIGITS = 12
SHARD_ID_PREFIX = "shardId-"
# Shard ids as requests may give them: Kinesis also accepts "shardId-7" and "7".
_SHARD_ID = re.compile(r"(?:shardId-)?(\d{1,12})")


@dataclass(frozen=True, slots=True)
class Position:
    """What a sequence number encodes: the stream's counter and the shard's index."""

    counter: int
    shard_index: int


def sequence_number(counter: int, shard_index: int) -> str:
    """The sequence number of counter value ``counter`` in shard ``shard_index``."""
    return f"{SEQUENCE_PREFIX}{counter:0{COUNTER_DIGITS}d}{shard_index:0{SHARD_DIGITS}d}"


def parse_sequence_number(text: str) -> Position | None:
    """The counter and shard a sequence number encodes, or None if it is not one of ours."""
    match = _SEQUENCE.fullmatch(text)
    if match is None:
        return None
    return Position(int(match.group(1)), int(match.group(2)))


def shard_id(index: int) -> str:
    """``shardId-000000000007`` for index 7."""
    return f"{SHARD_ID_PREFIX}{index:0{SHARD_ID_DIGITS}d}"


def parse_shard_id(text: str) -> int | None:
    """A shard id's index (``shardId-000000000007``, ``shardId-7`` or ``7``), or None."""
    match = _SHARD_ID.fullmatch(text)
    return None if match is None else int(match.group(1))
