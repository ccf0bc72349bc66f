"""PutRecord and PutRecords: limits, Kinesis's error texts, sequence numbers, arrival times."""

from __future__ import annotations

import pytest
from streams_helpers import ACCOUNT, declared_streams, read_shard, stream_arn

from headrace.broker.streams import PutRecordsEntry, StreamBroker
from headrace.clock import FakeClock
from headrace.errors import (
    InvalidArgumentException,
    ResourceNotFoundException,
    ValidationException,
)

MIB = 1_048_576


def test_data_of_one_mib_is_accepted(streams: StreamBroker) -> None:
    """A data blob may be exactly 1 MiB."""
    result = streams.put_record("clicks", b"x" * MIB, "k")
    assert read_shard(streams, "clicks", result.shard_id)[0].data == b"x" * MIB


def test_data_over_one_mib_is_a_validation_error(streams: StreamBroker) -> None:
    """Data over 1 MiB: ValidationException naming 'data', without echoing the blob."""
    with pytest.raises(ValidationException) as caught:
        streams.put_record("clicks", b"x" * (MIB + 1), "k")
    assert caught.value.message == (
        "1 validation error detected: Value at 'data' failed to satisfy constraint: "
        "Member must have length less than or equal to 1048576"
    )


def test_empty_partition_key_is_a_validation_error(streams: StreamBroker) -> None:
    """A partition key has at least one character."""
    with pytest.raises(ValidationException) as caught:
        streams.put_record("clicks", b"x", "")
    assert caught.value.message == (
        "1 validation error detected: Value '' at 'partitionKey' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1"
    )


def test_partition_key_of_256_characters_is_accepted(streams: StreamBroker) -> None:
    """256 Unicode characters are allowed, whatever their UTF-8 length."""
    key = "é" * 256
    result = streams.put_record("clicks", b"x", key)
    assert read_shard(streams, "clicks", result.shard_id)[0].partition_key == key


def test_partition_key_over_256_characters_is_a_validation_error(streams: StreamBroker) -> None:
    """257 characters is one too many."""
    key = "k" * 257
    with pytest.raises(ValidationException) as caught:
        streams.put_record("clicks", b"x", key)
    assert caught.value.message == (
        f"1 validation error detected: Value '{key}' at 'partitionKey' failed to satisfy "
        "constraint: Member must have length less than or equal to 256"
    )


def test_every_failed_constraint_is_listed(streams: StreamBroker) -> None:
    """Several failures make one ValidationException: 'N validation errors detected: a; b'."""
    with pytest.raises(ValidationException) as caught:
        streams.put_record("clicks", b"x" * (MIB + 1), "")
    assert caught.value.message.startswith("2 validation errors detected: Value at 'data'")
    assert "; Value '' at 'partitionKey'" in caught.value.message


def test_unknown_stream_is_resource_not_found(streams: StreamBroker) -> None:
    """A stream the config does not declare: Kinesis's ResourceNotFoundException text."""
    with pytest.raises(ResourceNotFoundException) as caught:
        streams.put_record("nope", b"x", "k")
    assert caught.value.message == f"Stream nope under account {ACCOUNT} not found."


def test_stream_arn_names_the_stream(streams: StreamBroker) -> None:
    """A stream ARN of the broker's region and account works wherever a name does."""
    result = streams.put_record(stream_arn("clicks"), b"x", "k")
    assert read_shard(streams, "clicks", result.shard_id)[0].data == b"x"


def test_arn_of_another_account_is_not_found(streams: StreamBroker) -> None:
    """An ARN in another account names a stream the broker does not have."""
    with pytest.raises(ResourceNotFoundException) as caught:
        streams.put_record("arn:aws:kinesis:us-east-1:999999999999:stream/clicks", b"x", "k")
    assert caught.value.message == "Stream clicks under account 999999999999 not found."


def test_sequence_numbers_are_56_digits_increasing_per_shard(streams: StreamBroker) -> None:
    """Sequence numbers are fixed-width digit strings that grow with every put to a shard."""
    numbers = [streams.put_record("clicks", b"x", f"k{i}").sequence_number for i in range(20)]
    assert all(len(n) == 56 and n.isdigit() for n in numbers)
    assert numbers == sorted(numbers) == sorted(numbers, key=int)
    assert len(set(numbers)) == len(numbers)


def test_sequence_numbers_are_unique_across_shards(streams: StreamBroker) -> None:
    """Records in different shards never share a sequence number."""
    results = [streams.put_record("orders", b"x", f"key-{i}") for i in range(60)]
    assert len({r.shard_id for r in results}) == 3
    assert len({r.sequence_number for r in results}) == 60


def test_arrival_timestamp_is_the_clock_in_milliseconds(
    streams: StreamBroker, clock: FakeClock
) -> None:
    """approximateArrivalTimestamp is epoch seconds with millisecond precision (§3.2.1)."""
    clock.advance(1.23456)
    result = streams.put_record("clicks", b"x", "k")
    (record,) = read_shard(streams, "clicks", result.shard_id)
    assert record.approximate_arrival_timestamp == 1_700_000_001.234


def test_a_put_wakes_the_stream(streams: StreamBroker, woken: list[str]) -> None:
    """A committed put notifies the stream's ARN (the running engine wakes at once)."""
    streams.put_record("clicks", b"x", "k")
    assert woken == [stream_arn("clicks")]


def test_sequence_number_for_ordering_of_this_stream_is_accepted(streams: StreamBroker) -> None:
    """SequenceNumberForOrdering: the new record sorts after the given one."""
    first = streams.put_record("clicks", b"1", "k")
    second = streams.put_record(
        "clicks", b"2", "k", sequence_number_for_ordering=first.sequence_number
    )
    assert int(second.sequence_number) > int(first.sequence_number)


def test_foreign_sequence_number_for_ordering_is_invalid_argument(streams: StreamBroker) -> None:
    """A well-formed number this broker never made: Kinesis's InvalidArgumentException text."""
    with pytest.raises(InvalidArgumentException) as caught:
        streams.put_record("clicks", b"x", "k", sequence_number_for_ordering="123")
    assert caught.value.message == (
        "ExclusiveMinimumSequenceNumber 123 used in PutRecord on stream clicks "
        f"under account {ACCOUNT} is invalid."
    )


def entries(count: int, size: int = 1) -> list[PutRecordsEntry]:
    return [PutRecordsEntry(data=b"x" * size, partition_key=f"k{i}") for i in range(count)]


def test_put_records_answers_each_entry_in_order(streams: StreamBroker) -> None:
    """PutRecords returns one result per entry, in request order, with no failures."""
    result = streams.put_records("orders", entries(30))
    assert result.failed_record_count == 0
    assert len(result.records) == 30
    numbers = [int(r.sequence_number or "") for r in result.records]
    assert numbers == sorted(numbers)
    assert result.to_aws()["Records"][0].keys() == {"SequenceNumber", "ShardId"}


def test_put_records_takes_500_records(streams: StreamBroker) -> None:
    """500 records is the most one PutRecords takes."""
    assert len(streams.put_records("clicks", entries(500)).records) == 500


def test_put_records_over_500_is_a_validation_error(streams: StreamBroker) -> None:
    """501 records: ValidationException on 'records'."""
    with pytest.raises(ValidationException) as caught:
        streams.put_records("clicks", entries(501))
    assert caught.value.message == (
        "1 validation error detected: Value at 'records' failed to satisfy constraint: "
        "Member must have length less than or equal to 500"
    )


def test_put_records_without_records_is_a_validation_error(streams: StreamBroker) -> None:
    """An empty PutRecords is refused."""
    with pytest.raises(ValidationException, match="greater than or equal to 1"):
        streams.put_records("clicks", [])


def test_put_records_names_the_failing_entry(streams: StreamBroker) -> None:
    """A bad entry is named by its 1-based position: records.N.member.data."""
    batch = entries(3)
    batch[1] = PutRecordsEntry(data=b"x" * (MIB + 1), partition_key="k")
    with pytest.raises(ValidationException) as caught:
        streams.put_records("clicks", batch)
    assert "Value at 'records.2.member.data' failed" in caught.value.message


def test_put_records_of_exactly_5_mib_is_accepted(streams: StreamBroker) -> None:
    """Five records of 1 MiB minus their two-character keys make exactly 5 MiB."""
    assert streams.put_records("clicks", entries(5, MIB - 2)).failed_record_count == 0


def test_put_records_over_5_mib_is_invalid_argument(streams: StreamBroker) -> None:
    """Data and partition keys over 5 MiB: 'Records size exceeds 5 MB limit'."""
    with pytest.raises(InvalidArgumentException) as caught:
        streams.put_records("clicks", entries(5, MIB))
    assert caught.value.message == "Records size exceeds 5 MB limit"


def test_a_refused_put_records_stores_nothing(streams: StreamBroker) -> None:
    """A PutRecords refused as a whole leaves the stream unchanged."""
    with pytest.raises(InvalidArgumentException):
        streams.put_records("clicks", entries(5, MIB))
    assert read_shard(streams, "clicks", "shardId-000000000000") == []


def test_records_survive_reopening_the_file(make_streams) -> None:
    """Records are on disk: a broker opened later on the same file reads them."""
    first = make_streams(declared_streams(clicks=2))
    put = first.put_records("clicks", entries(10))
    first.close()
    again = make_streams(declared_streams(clicks=2))
    stored = [r.sequence_number for s in ("0", "1") for r in read_shard(again, "clicks", s)]
    assert sorted(stored) == sorted(r.sequence_number or "" for r in put.records)
