"""Wire vocabulary shared by sources, the broker and the engine: messages and event records.

Records keep AWS's keys exactly (§3.1). Types here are plain slotted dataclasses so the hot
path (receive → record → JSON) allocates little.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

import msgspec


@dataclass(frozen=True, slots=True)
class MessageAttributeValue:
    """One SQS message attribute: ``data_type`` is String, Number or Binary (+ ``.custom``)."""

    data_type: str
    string_value: str | None = None
    binary_value: bytes | None = None

    def to_record(self) -> dict[str, Any]:
        """The lower-camel shape the ESM puts in ``messageAttributes`` (§3.1.3)."""
        out: dict[str, Any] = {}
        if self.string_value is not None:
            out["stringValue"] = self.string_value
        if self.binary_value is not None:
            out["binaryValue"] = base64.b64encode(self.binary_value).decode("ascii")
        out["stringListValues"] = []
        out["binaryListValues"] = []
        out["dataType"] = self.data_type
        return out


@dataclass(frozen=True, slots=True)
class QueueMessage:
    """A message as received from a queue, before it becomes an event record.

    ``attributes`` holds SQS's system attributes as strings (ApproximateReceiveCount,
    SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp; FIFO adds SequenceNumber,
    MessageGroupId, MessageDeduplicationId), in that order.
    """

    message_id: str
    receipt_handle: str
    body: str
    md5_of_body: str
    attributes: Mapping[str, str]
    message_attributes: Mapping[str, MessageAttributeValue] = field(default_factory=dict)
    md5_of_message_attributes: str | None = None

    @property
    def group_id(self) -> str | None:
        return self.attributes.get("MessageGroupId")

    @property
    def receive_count(self) -> int:
        return int(self.attributes.get("ApproximateReceiveCount", "0"))


@dataclass(frozen=True, slots=True)
class StreamRecord:
    """A Kinesis record as read from a shard, before it becomes an event record (§3.2).

    ``sequence_number`` is a decimal digit string, increasing within the shard;
    ``approximate_arrival_timestamp`` is epoch seconds with millisecond precision (§3.2.1).
    """

    sequence_number: str
    partition_key: str
    data: bytes
    approximate_arrival_timestamp: float
    shard_id: str


class SqsRecord(TypedDict, total=False):
    messageId: str
    receiptHandle: str
    body: str
    attributes: dict[str, str]
    messageAttributes: dict[str, Any]
    md5OfMessageAttributes: str | None
    md5OfBody: str
    eventSource: str
    eventSourceARN: str
    awsRegion: str


def sqs_record(message: QueueMessage, source_arn: str, region: str) -> SqsRecord:
    """The record Lambda puts in ``Records`` for one SQS message (§3.1), keys in AWS's order."""
    return sqs_records(source_arn, region)(message)


def sqs_records(source_arn: str, region: str) -> Callable[[QueueMessage], SqsRecord]:
    """:func:`sqs_record` for one queue's messages, its ARN and region bound once (the
    engine's per-message hot path: one call per record, no wrapper around it)."""

    def record(message: QueueMessage) -> SqsRecord:
        out: SqsRecord = {
            "messageId": message.message_id,
            "receiptHandle": message.receipt_handle,
            "body": message.body,
            "attributes": dict(message.attributes),
            "messageAttributes": {
                name: value.to_record() for name, value in message.message_attributes.items()
            },
        }
        if message.md5_of_message_attributes is not None:
            out["md5OfMessageAttributes"] = message.md5_of_message_attributes
        out["md5OfBody"] = message.md5_of_body
        out["eventSource"] = "aws:sqs"
        out["eventSourceARN"] = source_arn
        out["awsRegion"] = region
        return out

    return record


class KinesisData(TypedDict):
    kinesisSchemaVersion: str
    partitionKey: str
    sequenceNumber: str
    data: str
    approximateArrivalTimestamp: float


class KinesisRecord(TypedDict):
    kinesis: KinesisData
    eventSource: str
    eventVersion: str
    eventID: str
    eventName: str
    invokeIdentityArn: str
    awsRegion: str
    eventSourceARN: str


def kinesis_record(
    record: StreamRecord, source_arn: str, region: str, invoke_identity_arn: str
) -> KinesisRecord:
    """The record Lambda puts in ``Records`` for one Kinesis record (§3.2), in AWS's order.

    ``data`` is base64 of the raw bytes; ``eventID`` is ``<shardId>:<sequenceNumber>``
    (§3.2.1); ``source_arn`` is the stream's ARN (§3.2.2).
    """
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record.partition_key,
            "sequenceNumber": record.sequence_number,
            "data": base64.b64encode(record.data).decode("ascii"),
            "approximateArrivalTimestamp": record.approximate_arrival_timestamp,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{record.shard_id}:{record.sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": invoke_identity_arn,
        "awsRegion": region,
        "eventSourceARN": source_arn,
    }


_encoder = msgspec.json.Encoder()


def encode_event(records: Sequence[Mapping[str, Any]]) -> bytes:
    """The invocation payload ``{"Records": [...]}`` as JSON bytes."""
    return _encoder.encode({"Records": records})


def encoded_size(record: Mapping[str, Any]) -> int:
    """Bytes one record adds to a payload (its JSON plus a separating comma)."""
    return len(_encoder.encode(record)) + 1
