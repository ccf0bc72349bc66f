"""What the embedded streams hand back: named, frozen results with Kinesis's shapes.

Each result with an AWS counterpart has ``to_aws()`` giving that API's response keys, so an
HTTP front end or the CLI can print them as the AWS CLI would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from headrace.events import StreamRecord


@dataclass(frozen=True, slots=True)
class PutResult:
    """Where PutRecord stored a record."""

    shard_id: str
    sequence_number: str

    def to_aws(self) -> dict[str, Any]:
        return {"ShardId": self.shard_id, "SequenceNumber": self.sequence_number}


@dataclass(frozen=True, kw_only=True, slots=True)
class PutRecordsEntry:
    """One record of a PutRecords request."""

    data: bytes
    partition_key: str
    explicit_hash_key: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class PutRecordsResultEntry:
    """One entry's outcome: a shard and sequence number, or an error code and message."""

    shard_id: str | None = None
    sequence_number: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def failed(self) -> bool:
        return self.error_code is not None

    def to_aws(self) -> dict[str, Any]:
        if self.failed:
            return {"ErrorCode": self.error_code, "ErrorMessage": self.error_message}
        return {"SequenceNumber": self.sequence_number, "ShardId": self.shard_id}


@dataclass(frozen=True, slots=True)
class PutRecordsResult:
    """PutRecords' outcome: one entry per request entry, in request order."""

    records: tuple[PutRecordsResultEntry, ...]

    @property
    def failed_record_count(self) -> int:
        return sum(1 for entry in self.records if entry.failed)

    def to_aws(self) -> dict[str, Any]:
        return {
            "FailedRecordCount": self.failed_record_count,
            "Records": [entry.to_aws() for entry in self.records],
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class ShardInfo:
    """One shard as ListShards describes it; hash keys are decimal strings.

    A closed shard (resharded away) has an ``ending_sequence_number``; a shard made by a
    split has a ``parent_shard_id``, one made by a merge also an ``adjacent_parent_shard_id``.
    """

    shard_id: str
    parent_shard_id: str | None
    adjacent_parent_shard_id: str | None
    starting_hash_key: str
    ending_hash_key: str
    starting_sequence_number: str
    ending_sequence_number: str | None

    @property
    def closed(self) -> bool:
        return self.ending_sequence_number is not None

    @property
    def parent_shard_ids(self) -> tuple[str, ...]:
        """The shards that must be read to their end before this one (§5.5)."""
        parents = (self.parent_shard_id, self.adjacent_parent_shard_id)
        return tuple(parent for parent in parents if parent is not None)

    def to_aws(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ShardId": self.shard_id}
        if self.parent_shard_id is not None:
            out["ParentShardId"] = self.parent_shard_id
        if self.adjacent_parent_shard_id is not None:
            out["AdjacentParentShardId"] = self.adjacent_parent_shard_id
        out["HashKeyRange"] = {
            "StartingHashKey": self.starting_hash_key,
            "EndingHashKey": self.ending_hash_key,
        }
        sequence_range = {"StartingSequenceNumber": self.starting_sequence_number}
        if self.ending_sequence_number is not None:
            sequence_range["EndingSequenceNumber"] = self.ending_sequence_number
        out["SequenceNumberRange"] = sequence_range
        return out


@dataclass(frozen=True, kw_only=True, slots=True)
class GetRecordsResult:
    """A GetRecords response.

    ``next_shard_iterator`` is None once a closed shard has been read to its end; then
    ``child_shards`` lists the shards that continue its hash keys. ``millis_behind_latest``
    is 0 when the read reached the shard's tip, else how old the first unread record is.
    """

    records: tuple[StreamRecord, ...]
    next_shard_iterator: str | None
    millis_behind_latest: int
    child_shards: tuple[ShardInfo, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class UpdateShardCountResult:
    """UpdateShardCount's response: the open shard count before and the count asked for."""

    stream_name: str
    stream_arn: str
    current_shard_count: int
    target_shard_count: int

    def to_aws(self) -> dict[str, Any]:
        return {
            "StreamName": self.stream_name,
            "CurrentShardCount": self.current_shard_count,
            "TargetShardCount": self.target_shard_count,
            "StreamARN": self.stream_arn,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class ShardTip:
    """The newest record still in a shard (None, None if it holds none) and whether it closed."""

    shard_id: str
    latest_sequence_number: str | None
    latest_arrival_timestamp: float | None
    closed: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class StreamSummary:
    """DescribeStreamSummary's facts about one stream."""

    stream_name: str
    stream_arn: str
    stream_status: str
    retention_period_hours: int
    stream_creation_timestamp: float
    open_shard_count: int
    shard_count: int  # open and closed shards still within the retention period

    def to_aws(self) -> dict[str, Any]:
        return {
            "StreamName": self.stream_name,
            "StreamARN": self.stream_arn,
            "StreamStatus": self.stream_status,
            "StreamModeDetails": {"StreamMode": "PROVISIONED"},
            "RetentionPeriodHours": self.retention_period_hours,
            "StreamCreationTimestamp": self.stream_creation_timestamp,
            "EnhancedMonitoring": [{"ShardLevelMetrics": []}],
            "EncryptionType": "NONE",
            "OpenShardCount": self.open_shard_count,
            "ConsumerCount": 0,
        }


@dataclass(frozen=True, slots=True)
class StreamBrokerStatistics:
    """What this process's :class:`StreamBroker` did since it opened."""

    records_put: int
    records_read: int
    get_records_calls: int
    records_trimmed: int
    shards_trimmed: int
    reshards: int
