"""Shard iterators and GetRecords: each iterator type, paging, expiry, Kinesis's errors."""

from __future__ import annotations

import pytest
from streams_helpers import ACCOUNT, read_shard

from headrace.broker.streams import ITERATOR_TTL_S, StreamBroker
from headrace.clock import FakeClock
from headrace.errors import (
    ExpiredIteratorException,
    InvalidArgumentException,
    ResourceNotFoundException,
    ValidationException,
)

SHARD = "shardId-000000000000"


def put(streams: StreamBroker, *bodies: bytes) -> list[str]:
    """Put records on ``clicks`` (one shard); return their sequence numbers."""
    return [streams.put_record("clicks", body, "k").sequence_number for body in bodies]


def data_after(streams: StreamBroker, iterator_type: str, **kwargs: object) -> list[bytes]:
    return [
        r.data for r in read_shard(streams, "clicks", SHARD, iterator_type=iterator_type, **kwargs)
    ]


def test_trim_horizon_reads_every_record(streams: StreamBroker) -> None:
    """§7.1: TRIM_HORIZON starts at the oldest record in the shard."""
    put(streams, b"1", b"2", b"3")
    assert data_after(streams, "TRIM_HORIZON") == [b"1", b"2", b"3"]


def test_latest_reads_only_records_put_afterwards(streams: StreamBroker) -> None:
    """§7.1: LATEST sees only records added after the iterator was made."""
    put(streams, b"old")
    iterator = streams.get_shard_iterator("clicks", SHARD, "LATEST")
    assert streams.get_records(iterator).records == ()
    put(streams, b"new")
    assert [r.data for r in streams.get_records(iterator).records] == [b"new"]


def test_at_timestamp_starts_at_the_first_record_at_or_after_it(
    streams: StreamBroker, clock: FakeClock
) -> None:
    """§7.1: AT_TIMESTAMP reads from the first record that arrived at or after the time."""
    put(streams, b"before")
    clock.advance(10)
    start = clock.time()
    put(streams, b"at")
    clock.advance(1)
    put(streams, b"after")
    assert data_after(streams, "AT_TIMESTAMP", timestamp=start) == [b"at", b"after"]


def test_at_timestamp_past_every_record_waits_at_the_tip(
    streams: StreamBroker, clock: FakeClock
) -> None:
    """AT_TIMESTAMP later than every record reads only what arrives next."""
    put(streams, b"old")
    clock.advance(5)
    iterator = streams.get_shard_iterator("clicks", SHARD, "AT_TIMESTAMP", timestamp=clock.time())
    put(streams, b"new")
    assert [r.data for r in streams.get_records(iterator).records] == [b"new"]


def test_at_timestamp_in_the_future_is_invalid_argument(
    streams: StreamBroker, clock: FakeClock
) -> None:
    """§7.1: the timestamp must not be in the future (Kinesis's text, in milliseconds)."""
    now_ms = int(clock.time() * 1000)
    with pytest.raises(InvalidArgumentException) as caught:
        streams.get_shard_iterator("clicks", SHARD, "AT_TIMESTAMP", timestamp=clock.time() + 1)
    assert caught.value.message == (
        "The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. "
        f"timestampInMillis: {now_ms + 1000}, currentTimestampInMillis: {now_ms}"
    )


def test_at_timestamp_without_timestamp_is_invalid_argument(streams: StreamBroker) -> None:
    """AT_TIMESTAMP needs a timestamp."""
    with pytest.raises(InvalidArgumentException, match="Must specify timestampInMillis"):
        streams.get_shard_iterator("clicks", SHARD, "AT_TIMESTAMP")


def test_at_sequence_number_includes_that_record(streams: StreamBroker) -> None:
    """AT_SEQUENCE_NUMBER starts with the named record."""
    numbers = put(streams, b"1", b"2", b"3")
    got = data_after(streams, "AT_SEQUENCE_NUMBER", starting_sequence_number=numbers[1])
    assert got == [b"2", b"3"]


def test_after_sequence_number_starts_past_that_record(streams: StreamBroker) -> None:
    """AFTER_SEQUENCE_NUMBER starts with the record after the named one (a checkpoint)."""
    numbers = put(streams, b"1", b"2", b"3")
    got = data_after(streams, "AFTER_SEQUENCE_NUMBER", starting_sequence_number=numbers[1])
    assert got == [b"3"]


@pytest.mark.parametrize("kind", ["AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"])
def test_sequence_types_need_a_sequence_number(streams: StreamBroker, kind: str) -> None:
    """AT_/AFTER_SEQUENCE_NUMBER without a number: Kinesis's InvalidArgumentException text."""
    with pytest.raises(InvalidArgumentException) as caught:
        streams.get_shard_iterator("clicks", SHARD, kind)
    assert caught.value.message == (
        "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
        "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. "
        f"Request specified {kind} and no StartingSequenceNumber."
    )


@pytest.mark.parametrize("kind", ["TRIM_HORIZON", "LATEST"])
def test_position_types_refuse_a_sequence_number(streams: StreamBroker, kind: str) -> None:
    """TRIM_HORIZON and LATEST take no sequence number."""
    (number,) = put(streams, b"1")
    with pytest.raises(InvalidArgumentException, match=f"Request specified {kind} and also a"):
        streams.get_shard_iterator("clicks", SHARD, kind, starting_sequence_number=number)


def test_malformed_sequence_number_is_invalid_argument(streams: StreamBroker) -> None:
    """A number this broker cannot have made: '... is invalid.'"""
    with pytest.raises(InvalidArgumentException) as caught:
        streams.get_shard_iterator(
            "clicks", SHARD, "AT_SEQUENCE_NUMBER", starting_sequence_number="12345"
        )
    assert caught.value.message == (
        f"StartingSequenceNumber 12345 used in GetShardIterator on shard {SHARD} "
        f"in stream clicks under account {ACCOUNT} is invalid."
    )


def test_sequence_number_of_another_shard_is_invalid_argument(streams: StreamBroker) -> None:
    """A number from shard 1 used on shard 0 names both shards."""
    results = [streams.put_record("orders", b"x", f"k{i}") for i in range(20)]
    other = next(r for r in results if r.shard_id == "shardId-000000000001")
    with pytest.raises(InvalidArgumentException) as caught:
        streams.get_shard_iterator(
            "orders", SHARD, "AT_SEQUENCE_NUMBER", starting_sequence_number=other.sequence_number
        )
    assert caught.value.message == (
        "Invalid StartingSequenceNumber. It encodes shardId-000000000001, "
        f"while it was used in a call to a shard with {SHARD}"
    )


def test_sequence_number_beyond_the_tip_did_not_come_from_this_stream(
    streams: StreamBroker,
) -> None:
    """A number past anything the stream handed out is refused."""
    (number,) = put(streams, b"1")
    future = number[:2] + str(int(number[2:46]) + 1000).zfill(44) + number[46:]
    with pytest.raises(InvalidArgumentException, match="did not come from this stream"):
        streams.get_shard_iterator(
            "clicks", SHARD, "AT_SEQUENCE_NUMBER", starting_sequence_number=future
        )


def test_unknown_iterator_type_is_a_validation_error(streams: StreamBroker) -> None:
    """ShardIteratorType must be one of the enum's values."""
    with pytest.raises(ValidationException) as caught:
        streams.get_shard_iterator("clicks", SHARD, "OLDEST")
    assert caught.value.message == (
        "1 validation error detected: Value 'OLDEST' at 'shardIteratorType' failed to "
        "satisfy constraint: Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, "
        "AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]"
    )


def test_unknown_shard_does_not_exist(streams: StreamBroker) -> None:
    """A well-formed id the stream has no shard for."""
    with pytest.raises(ResourceNotFoundException) as caught:
        streams.get_shard_iterator("clicks", "shardId-000000000009", "TRIM_HORIZON")
    assert caught.value.message == (
        f"Shard shardId-000000000009 in stream clicks under account {ACCOUNT} does not exist"
    )


def test_malformed_shard_id_cannot_be_found(streams: StreamBroker) -> None:
    """A shard id that is not one: 'Could not find shard ...'."""
    with pytest.raises(ResourceNotFoundException) as caught:
        streams.get_shard_iterator("clicks", "shard-zero", "TRIM_HORIZON")
    assert caught.value.message == (
        f"Could not find shard shard-zero in stream clicks under account {ACCOUNT}."
    )


def test_short_shard_ids_are_accepted(streams: StreamBroker) -> None:
    """'shardId-0' and '0' name shardId-000000000000, as Kinesis accepts them."""
    put(streams, b"1")
    for short in ("shardId-0", "0"):
        assert [r.data for r in read_shard(streams, "clicks", short)] == [b"1"]


def test_limit_caps_a_read_and_the_next_iterator_continues(streams: StreamBroker) -> None:
    """GetRecords returns at most ``limit`` records; the next iterator picks up after them."""
    put(streams, *[str(i).encode() for i in range(5)])
    first = streams.get_records(streams.get_shard_iterator("clicks", SHARD, "TRIM_HORIZON"), 2)
    assert [r.data for r in first.records] == [b"0", b"1"]
    assert first.next_shard_iterator is not None
    second = streams.get_records(first.next_shard_iterator, 10)
    assert [r.data for r in second.records] == [b"2", b"3", b"4"]


@pytest.mark.parametrize(
    ("limit", "bound"), [(0, "greater than or equal to 1"), (10_001, "less than or equal to 10000")]
)
def test_limit_outside_1_to_10000_is_a_validation_error(
    streams: StreamBroker, limit: int, bound: str
) -> None:
    """GetRecords' Limit is 1 to 10,000."""
    iterator = streams.get_shard_iterator("clicks", SHARD, "TRIM_HORIZON")
    with pytest.raises(ValidationException) as caught:
        streams.get_records(iterator, limit)
    assert caught.value.message == (
        f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
        f"constraint: Member must have value {bound}"
    )


def test_reading_never_deletes(streams: StreamBroker) -> None:
    """§7.5: processed records stay in the stream; a second reader sees them all."""
    put(streams, b"1", b"2")
    assert data_after(streams, "TRIM_HORIZON") == [b"1", b"2"]
    assert data_after(streams, "TRIM_HORIZON") == [b"1", b"2"]


def test_millis_behind_latest_is_the_age_of_the_first_unread_record(
    streams: StreamBroker, clock: FakeClock
) -> None:
    """A read that stops short of the tip says how old the next record is; at the tip, 0."""
    put(streams, b"1", b"2")
    clock.advance(7)
    first = streams.get_records(streams.get_shard_iterator("clicks", SHARD, "TRIM_HORIZON"), 1)
    assert first.millis_behind_latest == 7000
    assert first.next_shard_iterator is not None
    assert streams.get_records(first.next_shard_iterator).millis_behind_latest == 0


def test_an_open_shard_at_its_tip_keeps_an_iterator(streams: StreamBroker) -> None:
    """Reading an open shard to its tip returns an iterator that sees later records."""
    result = streams.get_records(streams.get_shard_iterator("clicks", SHARD, "TRIM_HORIZON"))
    assert result.records == ()
    assert result.next_shard_iterator is not None
    put(streams, b"later")
    assert [r.data for r in streams.get_records(result.next_shard_iterator).records] == [b"later"]


def test_iterator_expires_after_five_minutes(streams: StreamBroker, clock: FakeClock) -> None:
    """An iterator unused for more than 300 s: ExpiredIteratorException, Kinesis's text."""
    iterator = streams.get_shard_iterator("clicks", SHARD, "TRIM_HORIZON")
    clock.advance(ITERATOR_TTL_S + 1)
    with pytest.raises(ExpiredIteratorException) as caught:
        streams.get_records(iterator)
    assert caught.value.message == (
        "Iterator expired. The iterator was created at time Tue Nov 14 22:13:20 UTC 2023 "
        "while right now it is Tue Nov 14 22:18:21 UTC 2023 which is further in the future "
        "than the tolerated delay of 300000 milliseconds."
    )


def test_iterator_is_valid_for_five_minutes(streams: StreamBroker, clock: FakeClock) -> None:
    """At exactly 300 s an iterator still works."""
    iterator = streams.get_shard_iterator("clicks", SHARD, "TRIM_HORIZON")
    clock.advance(ITERATOR_TTL_S)
    assert streams.get_records(iterator).records == ()


def test_iterators_can_be_made_never_to_expire(make_streams, clock: FakeClock) -> None:
    """iterator_ttl=None keeps iterators valid for ever (for in-process pollers)."""
    streams = make_streams(iterator_ttl=None)
    iterator = streams.get_shard_iterator("clicks", SHARD, "TRIM_HORIZON")
    clock.advance(86_400)
    assert streams.get_records(iterator).next_shard_iterator is not None


@pytest.mark.parametrize(
    "token", ["", "not base64!", "bm90IGpzb24=", "WzIsImNsaWNrcyIsMCwwLDAsMF0="]
)
def test_garbage_iterator_is_invalid_argument(streams: StreamBroker, token: str) -> None:
    """Anything that is not an iterator of this broker: 'Invalid ShardIterator.'"""
    with pytest.raises(InvalidArgumentException) as caught:
        streams.get_records(token)
    assert caught.value.message == "Invalid ShardIterator."


def test_iterator_of_a_redeclared_stream_is_invalid(make_streams, streams_path, clock) -> None:
    """An iterator outlives its stream's file being recreated: it is refused, not misread."""
    first = make_streams()
    iterator = first.get_shard_iterator("clicks", SHARD, "TRIM_HORIZON")
    first.close()
    for suffix in ("", "-wal", "-shm"):
        streams_path.with_name(streams_path.name + suffix).unlink(missing_ok=True)
    clock.advance(1)
    again = make_streams()
    with pytest.raises(InvalidArgumentException, match=r"Invalid ShardIterator\."):
        again.get_records(iterator)
