"""Shard iterators: opaque tokens naming a shard and a position in it.

A position is a stream counter value: the next GetRecords returns the shard's records with a
greater counter. Every iterator type resolves to one when the iterator is made:

- ``TRIM_HORIZON``: the shard's opening value, before every record it ever held (records
  trimmed since are simply not there);
- ``LATEST``: the stream's counter now, so only records put afterwards are read;
- ``AT_SEQUENCE_NUMBER`` / ``AFTER_SEQUENCE_NUMBER``: just before / at that record;
- ``AT_TIMESTAMP``: just before the shard's first record that arrived at or after the
  timestamp, or the shard's tip if none has.

The token is base64 of a small JSON array; it also carries the stream's creation time, so an
iterator of a stream that was deleted and declared again is refused, and the time it was
issued: like Kinesis's, an iterator expires after :data:`ITERATOR_TTL_S` unless the broker
was opened with ``iterator_ttl=None``.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import sqlite3
from dataclasses import dataclass
from typing import Protocol

import msgspec

from headrace.broker.streams.sequence import parse_sequence_number, shard_id
from headrace.broker.streams.shards import Shard
from headrace.broker.streams.stream_catalog import Stream
from headrace.errors import ExpiredIteratorException, InvalidArgumentException

# Kinesis's shard iterators stay valid for five minutes after they are returned.
ITERATOR_TTL_S = 300.0
# The token format's version, first in the array; another value is an invalid iterator.
_VERSION = 1
_Fields = tuple[int, str, int, int, int, int]
_decoder = msgspec.json.Decoder(_Fields)


@dataclass(frozen=True, slots=True)
class ShardIterator:
    """A decoded shard iterator."""

    stream_name: str
    stream_created_at: int  # epoch ms: tells a re-declared stream from the old one
    shard_index: int
    after: int  # the next read returns records with a counter above this
    issued_at: int  # epoch ms

    def encode(self) -> str:
        fields: _Fields = (
            _VERSION,
            self.stream_name,
            self.stream_created_at,
            self.shard_index,
            self.after,
            self.issued_at,
        )
        return base64.b64encode(msgspec.json.encode(fields)).decode("ascii")

    @classmethod
    def decode(cls, token: str) -> ShardIterator:
        """Read a token; InvalidArgumentException ``Invalid ShardIterator.`` if it is not one."""
        try:
            fields = _decoder.decode(base64.b64decode(token, validate=True))
        except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
            raise InvalidArgumentException("Invalid ShardIterator.") from exc
        version, name, created_at, index, after, issued_at = fields
        if version != _VERSION:
            raise InvalidArgumentException("Invalid ShardIterator.")
        return cls(name, created_at, index, after, issued_at)

    def check_fresh(self, now: int, ttl_s: float | None) -> None:
        """ExpiredIteratorException, with Kinesis's text, once ``ttl_s`` has passed."""
        if ttl_s is None or now - self.issued_at <= ttl_s * 1000:
            return
        raise ExpiredIteratorException(
            f"Iterator expired. The iterator was created at time {_amz_time(self.issued_at)} "
            f"while right now it is {_amz_time(now)} which is further in the future than the "
            f"tolerated delay of {int(ttl_s * 1000)} milliseconds."
        )


def _amz_time(epoch_ms: int) -> str:
    """``Thu Jan 22 01:22:02 UTC 2015``, the form Kinesis's expiry message uses."""
    day, date, month, year, clock, _ = email.utils.formatdate(epoch_ms / 1000).split()
    return f"{day.rstrip(',')} {month} {date} {clock} UTC {year}"


@dataclass(frozen=True, slots=True)
class IteratorRequest:
    """GetShardIterator's arguments, after the stream and shard were found."""

    stream: Stream
    shard: Shard
    account: str
    iterator_type: str
    starting_sequence_number: str | None
    timestamp: float | None  # epoch seconds


class PositionLookup(Protocol):
    """What resolving a start position needs to read from storage."""

    def stream_counter(self) -> int:
        """The stream's last handed-out counter value."""
        ...

    def first_counter_at(self, millis: int) -> int | None:
        """The counter of the shard's first record that arrived at or after ``millis``."""
        ...


@dataclass(frozen=True, slots=True)
class _SqlitePositions:
    conn: sqlite3.Connection
    request: IteratorRequest

    def stream_counter(self) -> int:
        (counter,) = self.conn.execute(
            "SELECT counter FROM streams WHERE id = ?", (self.request.stream.id,)
        ).fetchone()
        return int(counter)

    def first_counter_at(self, millis: int) -> int | None:
        row = self.conn.execute(
            "SELECT counter FROM records WHERE stream_id = ? AND shard = ? AND arrival >= ? "
            "ORDER BY counter LIMIT 1",
            (self.request.stream.id, self.request.shard.index, millis),
        ).fetchone()
        return None if row is None else int(row[0])


def start_position(conn: sqlite3.Connection, request: IteratorRequest, now: int) -> int:
    """:func:`resolve_start` over the SQLite file (inside the caller's read transaction)."""
    return resolve_start(_SqlitePositions(conn, request), request, now)


def resolve_start(lookup: PositionLookup, request: IteratorRequest, now: int) -> int:
    """The counter value an iterator of this type starts after (see the module docstring).

    Raises InvalidArgumentException with Kinesis's texts for a missing or superfluous
    sequence number or timestamp, a timestamp in the future, or a sequence number that is
    malformed, from another shard, or outside this shard's range.
    """
    kind, sequence = request.iterator_type, request.starting_sequence_number
    by_sequence = kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")
    if (sequence is not None and kind in ("TRIM_HORIZON", "LATEST")) or (
        sequence is None and by_sequence
    ):
        given = "also a" if sequence is not None else "no"
        raise InvalidArgumentException(
            "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
            "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no "
            f"StartingSequenceNumber. Request specified {kind} and {given} StartingSequenceNumber."
        )
    if by_sequence:
        assert sequence is not None
        counter = _sequence_counter(lookup, request, sequence)
        return counter - 1 if kind == "AT_SEQUENCE_NUMBER" else counter
    if kind == "TRIM_HORIZON":
        return request.shard.start_counter
    if kind == "LATEST":
        return lookup.stream_counter()
    return _timestamp_position(lookup, request, now)


def _sequence_counter(lookup: PositionLookup, request: IteratorRequest, sequence: str) -> int:
    shard = request.shard
    where = (
        f"StartingSequenceNumber {sequence} used in GetShardIterator on shard {shard.id} "
        f"in stream {request.stream.name} under account {request.account} is invalid"
    )
    position = parse_sequence_number(sequence)
    if position is None:
        raise InvalidArgumentException(f"{where}.")
    if position.shard_index != shard.index:
        raise InvalidArgumentException(
            f"Invalid StartingSequenceNumber. It encodes {shard_id(position.shard_index)}, "
            f"while it was used in a call to a shard with {shard.id}"
        )
    end = shard.end_counter
    if end is None:
        end = lookup.stream_counter()
    if not shard.start_counter <= position.counter <= end:
        raise InvalidArgumentException(f"{where} because it did not come from this stream.")
    return position.counter


def _timestamp_position(lookup: PositionLookup, request: IteratorRequest, now: int) -> int:
    if request.timestamp is None:
        raise InvalidArgumentException(
            "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. "
            "Current request has no timestamp parameter."
        )
    millis = int(request.timestamp * 1000)
    if millis > now:
        raise InvalidArgumentException(
            "The timestampInMillis parameter cannot be greater than the "
            f"currentTimestampInMillis. timestampInMillis: {millis}, "
            f"currentTimestampInMillis: {now}"
        )
    counter = lookup.first_counter_at(millis)
    if counter is not None:
        return counter - 1
    if request.shard.end_counter is not None:
        return request.shard.end_counter
    return lookup.stream_counter()
