"""The DynamoDB Streams source on moto: shards, §3.3 records, starts, pacing."""

from __future__ import annotations

import json

import pytest
from streams_support import REGION, Moto, QuickClock

from headrace.aws.clients import AwsSettings
from headrace.errors import InvalidParameterValueException
from headrace.sources.dynamodb_streams import (
    DYNAMODB_POLL_SECONDS,
    DynamoDBStreamSource,
    check_starting_position,
    open_dynamodb_stream_source,
)
from headrace.sources.source_seam import StreamStart

pytestmark = pytest.mark.timeout(60)

# §3.3 / recorded AWS event: the keys of a record and of its dynamodb block, in order.
RECORD_KEYS = [
    "eventID",
    "eventName",
    "eventVersion",
    "eventSource",
    "awsRegion",
    "dynamodb",
    "eventSourceARN",
]
BLOCK_KEYS = ["ApproximateCreationDateTime", "Keys", "NewImage", "SequenceNumber", "SizeBytes"]


async def opened(arn: str, settings: AwsSettings, clock: QuickClock) -> DynamoDBStreamSource:
    return await open_dynamodb_stream_source(arn, settings, clock=clock, default_region=REGION)


async def read(source: DynamoDBStreamSource, start: StreamStart) -> list[dict[str, object]]:
    (shard,) = await source.list_shards()
    token = await source.iterator(shard.shard_id, start)
    chunk = await source.get_records(token, 100)
    return [json.loads(r.data) for r in chunk.records]


async def test_record_has_the_recorded_shape(
    moto: Moto, settings: AwsSettings, clock: QuickClock
) -> None:
    """§3.3, §3.3.2: keys in AWS's order, eventVersion 1.1, the stream ARN as source."""
    table, arn = moto.table(view="NEW_IMAGE")
    moto.put_item(table, "a", v="1")
    source = await opened(arn, settings, clock)
    try:
        (record,) = await read(source, StreamStart("TRIM_HORIZON"))
    finally:
        await source.aclose()
    assert list(record) == RECORD_KEYS
    block = record["dynamodb"]
    assert isinstance(block, dict)
    assert list(block)[:5] == BLOCK_KEYS
    assert (record["eventName"], record["eventVersion"], record["eventSource"]) == (
        "INSERT",
        "1.1",
        "aws:dynamodb",
    )
    assert record["eventSourceARN"] == arn
    assert block["Keys"] == {"id": {"S": "a"}}


async def test_creation_time_is_whole_epoch_seconds(
    moto: Moto, settings: AwsSettings, clock: QuickClock
) -> None:
    """§3.3.3: ApproximateCreationDateTime is epoch seconds (a number)."""
    table, arn = moto.table()
    moto.put_item(table, "a")
    source = await opened(arn, settings, clock)
    try:
        (record,) = await read(source, StreamStart("TRIM_HORIZON"))
    finally:
        await source.aclose()
    created = record["dynamodb"]["ApproximateCreationDateTime"]  # type: ignore[index]
    assert isinstance(created, float)
    assert created == int(created)
    assert created > 1.6e9


async def test_binary_values_are_base64(
    moto: Moto, settings: AwsSettings, clock: QuickClock
) -> None:
    """§3.3.5: B values are base64 in the event, as Lambda sends them."""
    table, arn = moto.table()
    moto.put_item(table, "a", blob=b"foobar")
    source = await opened(arn, settings, clock)
    try:
        (record,) = await read(source, StreamStart("TRIM_HORIZON"))
    finally:
        await source.aclose()
    assert record["dynamodb"]["NewImage"]["blob"] == {"B": "Zm9vYmFy"}  # type: ignore[index]


async def test_item_key_orders_records(
    moto: Moto, settings: AwsSettings, clock: QuickClock
) -> None:
    """§5.2: the item's key is the ordering key (records of one item stay in order)."""
    table, arn = moto.table()
    moto.put_item(table, "a", v="1")
    moto.put_item(table, "a", v="2")
    source = await opened(arn, settings, clock)
    try:
        (shard,) = await source.list_shards()
        token = await source.iterator(shard.shard_id, StreamStart("TRIM_HORIZON"))
        chunk = await source.get_records(token, 10)
    finally:
        await source.aclose()
    keys = {r.partition_key for r in chunk.records}
    assert keys == {'{"id":{"S":"a"}}'}


async def test_latest_is_the_newest_record_now(
    moto: Moto, settings: AwsSettings, clock: QuickClock
) -> None:
    """§7.1: LATEST resolves to the newest record; only later records are read after it."""
    table, arn = moto.table()
    moto.put_item(table, "before")
    source = await opened(arn, settings, clock)
    try:
        (shard,) = await source.list_shards()
        latest = await source.latest_sequence_number(shard.shard_id)
        moto.put_item(table, "after")
        records = await read(source, StreamStart("AFTER_SEQUENCE_NUMBER", latest))
    finally:
        await source.aclose()
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in records] == ["after"]  # type: ignore[index]


async def test_wait_sleeps_a_quarter_second(
    moto: Moto, settings: AwsSettings, clock: QuickClock
) -> None:
    """§2.11: DynamoDB Streams shards are polled 4 times a second."""
    _, arn = moto.table()
    source = await opened(arn, settings, clock)
    try:
        await source.wait_for_records(source.version(), 30.0)
    finally:
        await source.aclose()
    assert clock.sleeps == [DYNAMODB_POLL_SECONDS] == [0.25]


def test_at_timestamp_is_refused_with_awss_message() -> None:
    """§1.6.6: AT_TIMESTAMP on a DynamoDB stream is refused with AWS's message."""
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2024-01-01T00:00:00.000"
    with pytest.raises(InvalidParameterValueException) as raised:
        check_starting_position(arn, "AT_TIMESTAMP")
    assert str(raised.value).endswith(f"Unsupported starting position for arn type: {arn}")


def test_trim_horizon_and_latest_are_accepted() -> None:
    """§7.1: TRIM_HORIZON and LATEST are DynamoDB's starting positions."""
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2024-01-01T00:00:00.000"
    check_starting_position(arn, "TRIM_HORIZON")
    check_starting_position(arn, "LATEST")
