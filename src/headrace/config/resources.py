"""Frozen config objects for embedded queues (SQS), streams (Kinesis) and tables (DynamoDB).

Like :mod:`headrace.config.model`, these only convert shapes between AWS-cased keys and
Python fields; :mod:`headrace.config.validate_resources` checks them first and reports every
problem with AWS's exception names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Kinesis keeps records 24 hours unless told otherwise (CreateStream's default).
DEFAULT_RETENTION_PERIOD_HOURS = 24
# One shard: enough for local work and the smallest stream Kinesis provisions.
DEFAULT_SHARD_COUNT = 1
# An embedded table's change stream has one shard unless StreamSpecification.ShardCount says
# otherwise (a headrace extension; DynamoDB chooses shard counts itself).
DEFAULT_TABLE_STREAM_SHARD_COUNT = 1


def boolean(value: Any) -> bool:
    """AWS accepts booleans and the strings "true"/"false" for boolean attributes."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


@dataclass(frozen=True, kw_only=True, slots=True)
class RedrivePolicy:
    """SQS RedrivePolicy: where messages go after ``max_receive_count`` receives."""

    dead_letter_target_arn: str
    max_receive_count: int

    @classmethod
    def from_aws(cls, data: Mapping[str, Any]) -> RedrivePolicy:
        return cls(
            dead_letter_target_arn=str(data["deadLetterTargetArn"]),
            max_receive_count=int(data["maxReceiveCount"]),
        )

    def to_aws(self) -> dict[str, Any]:
        return {
            "deadLetterTargetArn": self.dead_letter_target_arn,
            "maxReceiveCount": self.max_receive_count,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class QueueConfig:
    """An embedded queue, with the attributes of SQS CreateQueue and SQS's defaults."""

    name: str
    visibility_timeout: int = 30
    message_retention_period: int = 345_600  # 4 days, SQS's default
    delay_seconds: int = 0
    maximum_message_size: int = 262_144  # 256 KiB
    receive_message_wait_time_seconds: int = 0
    redrive_policy: RedrivePolicy | None = None
    fifo_queue: bool = False
    content_based_deduplication: bool = False

    # AWS names of the fields above, in to_aws() order.
    AWS_KEYS = (
        ("visibility_timeout", "VisibilityTimeout"),
        ("message_retention_period", "MessageRetentionPeriod"),
        ("delay_seconds", "DelaySeconds"),
        ("maximum_message_size", "MaximumMessageSize"),
        ("receive_message_wait_time_seconds", "ReceiveMessageWaitTimeSeconds"),
    )
    # CreateQueue attributes accepted for compatibility that the embedded broker ignores.
    IGNORED_KEYS = frozenset(
        {
            "KmsMasterKeyId",
            "KmsDataKeyReusePeriodSeconds",
            "SqsManagedSseEnabled",
            "Policy",
            "RedriveAllowPolicy",
            "DeduplicationScope",
            "FifoThroughputLimit",
            "Tags",
        }
    )

    @classmethod
    def from_aws(cls, name: str, data: Mapping[str, Any]) -> QueueConfig:
        kwargs: dict[str, Any] = {attr: int(data[key]) for attr, key in cls.AWS_KEYS if key in data}
        if "RedrivePolicy" in data and data["RedrivePolicy"] is not None:
            kwargs["redrive_policy"] = RedrivePolicy.from_aws(data["RedrivePolicy"])
        if "FifoQueue" in data:
            kwargs["fifo_queue"] = boolean(data["FifoQueue"])
        if "ContentBasedDeduplication" in data:
            kwargs["content_based_deduplication"] = boolean(data["ContentBasedDeduplication"])
        return cls(name=name, **kwargs)

    def to_aws(self) -> dict[str, Any]:
        out: dict[str, Any] = {key: getattr(self, attr) for attr, key in self.AWS_KEYS}
        if self.redrive_policy is not None:
            out["RedrivePolicy"] = self.redrive_policy.to_aws()
        if self.fifo_queue:
            out["FifoQueue"] = True
            out["ContentBasedDeduplication"] = self.content_based_deduplication
        return out


@dataclass(frozen=True, kw_only=True, slots=True)
class StreamConfig:
    """An embedded stream, with the CreateStream fields headrace uses."""

    name: str
    shard_count: int = DEFAULT_SHARD_COUNT
    retention_period_hours: int = DEFAULT_RETENTION_PERIOD_HOURS

    @classmethod
    def from_aws(cls, name: str, data: Mapping[str, Any]) -> StreamConfig:
        return cls(
            name=name,
            shard_count=int(data.get("ShardCount", DEFAULT_SHARD_COUNT)),
            retention_period_hours=int(
                data.get("RetentionPeriodHours", DEFAULT_RETENTION_PERIOD_HOURS)
            ),
        )

    def to_aws(self) -> dict[str, Any]:
        return {
            "ShardCount": self.shard_count,
            "RetentionPeriodHours": self.retention_period_hours,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class KeySchemaElement:
    """One key attribute of a table: ``key_type`` is HASH or RANGE."""

    attribute_name: str
    key_type: str

    @classmethod
    def from_aws(cls, data: Mapping[str, Any]) -> KeySchemaElement:
        return cls(attribute_name=str(data["AttributeName"]), key_type=str(data["KeyType"]))

    def to_aws(self) -> dict[str, Any]:
        return {"AttributeName": self.attribute_name, "KeyType": self.key_type}


@dataclass(frozen=True, kw_only=True, slots=True)
class AttributeDefinition:
    """The type of a key attribute: ``attribute_type`` is S, N or B."""

    attribute_name: str
    attribute_type: str

    @classmethod
    def from_aws(cls, data: Mapping[str, Any]) -> AttributeDefinition:
        return cls(
            attribute_name=str(data["AttributeName"]), attribute_type=str(data["AttributeType"])
        )

    def to_aws(self) -> dict[str, Any]:
        return {"AttributeName": self.attribute_name, "AttributeType": self.attribute_type}


@dataclass(frozen=True, kw_only=True, slots=True)
class StreamSpecification:
    """A table's change stream: which images records carry, and its shard count."""

    stream_enabled: bool = True
    stream_view_type: str = "NEW_AND_OLD_IMAGES"
    shard_count: int = DEFAULT_TABLE_STREAM_SHARD_COUNT  # headrace extension

    @classmethod
    def from_aws(cls, data: Mapping[str, Any]) -> StreamSpecification:
        return cls(
            stream_enabled=bool(data.get("StreamEnabled", True)),
            stream_view_type=str(data.get("StreamViewType", "NEW_AND_OLD_IMAGES")),
            shard_count=int(data.get("ShardCount", DEFAULT_TABLE_STREAM_SHARD_COUNT)),
        )

    def to_aws(self) -> dict[str, Any]:
        return {
            "StreamEnabled": self.stream_enabled,
            "StreamViewType": self.stream_view_type,
            "ShardCount": self.shard_count,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class TableConfig:
    """An embedded table, with the CreateTable fields headrace uses."""

    name: str
    key_schema: tuple[KeySchemaElement, ...]
    attribute_definitions: tuple[AttributeDefinition, ...]
    stream_specification: StreamSpecification | None = None

    @property
    def has_stream(self) -> bool:
        """Whether the table has a change stream that a mapping can read."""
        spec = self.stream_specification
        return spec is not None and spec.stream_enabled

    @classmethod
    def from_aws(cls, name: str, data: Mapping[str, Any]) -> TableConfig:
        spec = data.get("StreamSpecification")
        return cls(
            name=name,
            key_schema=tuple(KeySchemaElement.from_aws(k) for k in data["KeySchema"]),
            attribute_definitions=tuple(
                AttributeDefinition.from_aws(a) for a in data["AttributeDefinitions"]
            ),
            stream_specification=None if spec is None else StreamSpecification.from_aws(spec),
        )

    def to_aws(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "KeySchema": [k.to_aws() for k in self.key_schema],
            "AttributeDefinitions": [a.to_aws() for a in self.attribute_definitions],
        }
        if self.stream_specification is not None:
            out["StreamSpecification"] = self.stream_specification.to_aws()
        return out
