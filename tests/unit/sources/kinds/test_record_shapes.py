"""Record shapes: Kinesis records built from a template, DynamoDB records stored whole
(§3.2, §3.3, §4.2.10)."""

from __future__ import annotations

import json

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from headrace.events import StreamRecord, kinesis_record
from headrace.sources.kinds.record_shapes import (
    DynamoDBShape,
    KinesisShape,
    iso_millis,
    iso_seconds,
)

STREAM_ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/clicks"
ROLE_ARN = "arn:aws:iam::000000000000:role/fn-role"
SHAPE = KinesisShape(STREAM_ARN, "us-east-1", ROLE_ARN)


@given(
    partition_key=st.text(min_size=1, max_size=256),
    data=st.binary(max_size=300),
    arrival=st.floats(min_value=0, max_value=4e9, allow_nan=False).map(lambda f: round(f, 3)),
    counter=st.integers(0, 10**20),
)
def test_kinesis_json_is_exactly_the_record_encoded(
    partition_key: str, data: bytes, arrival: float, counter: int
) -> None:
    """§3.2: the template gives the same bytes as encoding the record's dict."""
    record = StreamRecord(f"{counter:056d}", partition_key, data, arrival, "shardId-000000000003")
    expected = msgspec.json.encode(kinesis_record(record, STREAM_ARN, "us-east-1", ROLE_ARN))
    assert SHAPE.encode(record) == expected
    assert json.loads(SHAPE.encode(record)) == SHAPE.event_record(record)


def test_dynamodb_records_are_their_stored_json() -> None:
    """§3.3: a table stream stores the record whole; the shape passes it through."""
    body = {"eventID": "1", "eventName": "INSERT", "dynamodb": {"SequenceNumber": "7"}}
    record = StreamRecord("7", '{"id":{"S":"u1"}}', json.dumps(body).encode(), 1.0, "shard")
    shape = DynamoDBShape()
    assert shape.encode(record) == record.data
    assert shape.event_record(record) == body
    assert shape.ordering_key(record) == '{"id":{"S":"u1"}}'


def test_arrival_times_have_kinesis_and_dynamodb_precision() -> None:
    """§4.2.10: Kinesis batch info has milliseconds, DynamoDB seconds."""
    assert iso_millis(1573691884.835) == "2019-11-14T00:38:04.835Z"
    assert iso_seconds(1573690399.9) == "2019-11-14T00:13:19Z"
    assert DynamoDBShape().batch_info_key == "DDBStreamBatchInfo"
    assert SHAPE.batch_info_key == "KinesisBatchInfo"
