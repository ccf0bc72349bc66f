"""Request checks with Kinesis's limits and texts.

Shape constraints (lengths, patterns, ranges of the API model) fail with a
ValidationException that lists every failed constraint of the request, as AWS's
``N validation errors detected: ...; ...`` does; data blobs are never echoed, other values
are. Checks that need the stream (hash key range, sequence numbers) live with the broker.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from headrace.broker.streams.hashing import EXPLICIT_HASH_KEY_PATTERN
from headrace.broker.streams.sequence import parse_sequence_number
from headrace.broker.streams.stream_results import PutRecordsEntry
from headrace.config.validate_streams import STREAM_NAME
from headrace.errors import InvalidArgumentException, ValidationException

# A record's data blob may be at most 1 MiB (before base64).
MAX_DATA_BYTES = 1_048_576
# Partition keys are 1 to 256 Unicode characters.
MAX_PARTITION_KEY_CHARS = 256
# PutRecords takes 1 to 500 records ...
MAX_RECORDS_PER_PUT = 500
# ... of at most 5 MiB altogether, data and partition keys counted.
MAX_PUT_RECORDS_BYTES = 5 * 1_048_576
# GetRecords returns at most 10,000 records per call.
MAX_GET_RECORDS_LIMIT = 10_000
# UpdateShardCount's TargetShardCount range in the API model.
MAX_TARGET_SHARD_COUNT = 100_000
# The API model's pattern for SequenceNumberForOrdering and StartingSequenceNumber.
SEQUENCE_NUMBER_PATTERN = re.compile(r"0|([1-9]\d{0,128})")
# GetShardIterator's ShardIteratorType values, in the API model's order.
ITERATOR_TYPES = (
    "AT_SEQUENCE_NUMBER",
    "AFTER_SEQUENCE_NUMBER",
    "TRIM_HORIZON",
    "LATEST",
    "AT_TIMESTAMP",
)


def _raise_if_any(errors: list[str]) -> None:
    if errors:
        count = len(errors)
        noun = "error" if count == 1 else "errors"
        raise ValidationException(f"{count} validation {noun} detected: " + "; ".join(errors))


def _failed(value: object, member: str, constraint: str) -> str:
    shown = "" if value is None else f" '{value}'"
    return f"Value{shown} at '{member}' failed to satisfy constraint: Member must {constraint}"


def _record_errors(
    data: bytes, partition_key: str, explicit_hash_key: str | None, prefix: str
) -> list[str]:
    errors = []
    if len(data) > MAX_DATA_BYTES:
        errors.append(
            _failed(None, f"{prefix}data", f"have length less than or equal to {MAX_DATA_BYTES}")
        )
    if not partition_key:
        errors.append(
            _failed("", f"{prefix}partitionKey", "have length greater than or equal to 1")
        )
    elif len(partition_key) > MAX_PARTITION_KEY_CHARS:
        constraint = f"have length less than or equal to {MAX_PARTITION_KEY_CHARS}"
        errors.append(_failed(partition_key, f"{prefix}partitionKey", constraint))
    if explicit_hash_key is not None and not EXPLICIT_HASH_KEY_PATTERN.fullmatch(explicit_hash_key):
        constraint = f"satisfy regular expression pattern: {EXPLICIT_HASH_KEY_PATTERN.pattern}"
        errors.append(_failed(explicit_hash_key, f"{prefix}explicitHashKey", constraint))
    return errors


def check_put_record(
    data: bytes,
    partition_key: str,
    explicit_hash_key: str | None,
    sequence_number_for_ordering: str | None,
) -> None:
    """PutRecord's shape constraints; ValidationException listing every failure."""
    errors = _record_errors(data, partition_key, explicit_hash_key, "")
    if sequence_number_for_ordering is not None and not SEQUENCE_NUMBER_PATTERN.fullmatch(
        sequence_number_for_ordering
    ):
        constraint = f"satisfy regular expression pattern: {SEQUENCE_NUMBER_PATTERN.pattern}"
        errors.append(
            _failed(sequence_number_for_ordering, "sequenceNumberForOrdering", constraint)
        )
    _raise_if_any(errors)


def check_put_records(entries: Sequence[PutRecordsEntry]) -> None:
    """PutRecords' constraints: 1-500 records (ValidationException), 5 MiB in all.

    The size limit is InvalidArgumentException ``Records size exceeds 5 MB limit``,
    checked once every record is well-formed.
    """
    errors = []
    if not entries:
        errors.append(_failed(None, "records", "have length greater than or equal to 1"))
    elif len(entries) > MAX_RECORDS_PER_PUT:
        constraint = f"have length less than or equal to {MAX_RECORDS_PER_PUT}"
        errors.append(_failed(None, "records", constraint))
    for position, entry in enumerate(entries, start=1):
        prefix = f"records.{position}.member."
        errors += _record_errors(entry.data, entry.partition_key, entry.explicit_hash_key, prefix)
    _raise_if_any(errors)
    size = sum(len(e.data) + len(e.partition_key.encode("utf-8")) for e in entries)
    if size > MAX_PUT_RECORDS_BYTES:
        raise InvalidArgumentException("Records size exceeds 5 MB limit")


def check_limit(limit: int) -> None:
    """GetRecords' Limit: 1 to 10,000."""
    if limit < 1:
        _raise_if_any([_failed(limit, "limit", "have value greater than or equal to 1")])
    if limit > MAX_GET_RECORDS_LIMIT:
        constraint = f"have value less than or equal to {MAX_GET_RECORDS_LIMIT}"
        _raise_if_any([_failed(limit, "limit", constraint)])


def check_iterator_type(iterator_type: str) -> None:
    """GetShardIterator's ShardIteratorType must be one of :data:`ITERATOR_TYPES`."""
    if iterator_type not in ITERATOR_TYPES:
        constraint = f"satisfy enum value set: [{', '.join(ITERATOR_TYPES)}]"
        _raise_if_any([_failed(iterator_type, "shardIteratorType", constraint)])


def check_target_shard_count(target: int) -> None:
    """UpdateShardCount's TargetShardCount: 1 to 100,000 in the API model."""
    if target < 1:
        constraint = "have value greater than or equal to 1"
        _raise_if_any([_failed(target, "targetShardCount", constraint)])
    if target > MAX_TARGET_SHARD_COUNT:
        constraint = f"have value less than or equal to {MAX_TARGET_SHARD_COUNT}"
        _raise_if_any([_failed(target, "targetShardCount", constraint)])


def check_stream_name(name: str) -> None:
    """CreateStream's StreamName: 1-128 letters, digits, ``_``, ``.`` or ``-``."""
    if not STREAM_NAME.fullmatch(name):
        constraint = f"satisfy regular expression pattern: {STREAM_NAME.pattern}"
        _raise_if_any([_failed(name, "streamName", constraint)])


def check_ordering_number(number: str, stream_name: str, account: str) -> None:
    """PutRecord's SequenceNumberForOrdering must be one of this broker's sequence numbers."""
    if parse_sequence_number(number) is None:
        raise InvalidArgumentException(
            f"ExclusiveMinimumSequenceNumber {number} used in "
            f"PutRecord on stream {stream_name} under account {account} is invalid."
        )


def sequence_counter(number: str, stream_name: str) -> int:
    """The stream counter a sequence number encodes; InvalidArgumentException if foreign."""
    position = parse_sequence_number(number)
    if position is None:
        raise InvalidArgumentException(
            f"Sequence number {number} did not come from stream {stream_name}."
        )
    return position.counter
