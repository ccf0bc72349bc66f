"""Record builders and pattern helpers shared by the filter tests."""

from __future__ import annotations

import base64
import json
from typing import Any

from headrace.config import SourceKind
from headrace.esm.filters import (
    FilterCriteria,
    compile_filter_criteria,
)
from headrace.sources.kinds.kind_table import kind_named

SQS, KINESIS, DDB = kind_named("sqs"), kind_named("kinesis"), kind_named("dynamodb-streams")


def sqs_record(body: str, **extra: Any) -> dict[str, Any]:
    """An SQS record shaped as §3.1."""
    record: dict[str, Any] = {
        "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
        "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1545082649183"},
        "messageAttributes": {},
        "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:my-queue",
        "awsRegion": "us-east-2",
    }
    record.update(extra)
    return record


def kinesis_record(data: bytes, partition_key: str = "custom") -> dict[str, Any]:
    """A Kinesis record shaped as §3.2."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": partition_key,
            "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
            "data": base64.b64encode(data).decode("ascii"),
            "approximateArrivalTimestamp": 1545084650.987,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": "shardId-000000000000:49590338271490256608559692538361571095921575989136588898",
        "eventName": "aws:kinesis:record",
        "awsRegion": "us-east-2",
        "eventSourceARN": "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream",
    }


def ddb_record(event_name: str, new_image: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB Streams record shaped as recorded (§3.3)."""
    return {
        "eventID": "c81e728d9d4c2f636f067f89cc14862c",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1693997155.0,
            "Keys": {"id": new_image["id"]},
            "NewImage": new_image,
            "SequenceNumber": "111",
            "SizeBytes": 26,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:1:table/T/stream/2015-05-11T21:21:33.291",
    }


def criteria(*patterns: Any, source: SourceKind = SQS) -> FilterCriteria:
    texts = [p if isinstance(p, str) else json.dumps(p) for p in patterns]
    return compile_filter_criteria(texts, source)


def matches(pattern: Any, event: dict[str, Any]) -> bool:
    """Match ``pattern`` against a plain event, as a DynamoDB-style record (no payload)."""
    return criteria(pattern, source=DDB).matches(event)
