"""The kinds of stream the shared stream suite runs over, behind one small interface.

``embedded-stream`` and ``embedded-table`` are headrace's own SQLite streams; ``kinesis``
and ``dynamodb-streams`` are moto's, read through the real AWS sources. A backend puts a
value under a key (a Kinesis record with that partition key, or a write of the item whose
id is the key) and reads a value back out of an event record.
"""

from __future__ import annotations

import base64
import contextlib
import json
import uuid
from pathlib import Path
from typing import Any, Protocol

from headrace.aws.clients import AwsSettings
from headrace.broker.embedded import EmbeddedBroker
from headrace.broker.tables import TableBroker, dynamodb_event_record
from headrace.clock import SystemClock
from headrace.config.resources import (
    AttributeDefinition,
    KeySchemaElement,
    StreamConfig,
    StreamSpecification,
    TableConfig,
)
from headrace.esm.streams.shapes import RecordShape
from headrace.sources.dynamodb_streams import open_dynamodb_stream_source
from headrace.sources.embedded_streams import EmbeddedStreams
from headrace.sources.kinds.record_shapes import DynamoDBShape, KinesisShape
from headrace.sources.kinesis import open_kinesis_source
from headrace.sources.source_seam import StreamSource

REGION = "us-east-1"
# The embedded streams' account (any 12 digits; moto's ARNs carry its own).
ACCOUNT = "000000000000"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/consume-role"
# The embedded table of the suite: items keyed by a string id, images in the records.
ITEMS = TableConfig(
    name="items",
    key_schema=(KeySchemaElement(attribute_name="id", key_type="HASH"),),
    attribute_definitions=(AttributeDefinition(attribute_name="id", attribute_type="S"),),
    stream_specification=StreamSpecification(stream_view_type="NEW_IMAGE"),
)


class StreamBackend(Protocol):
    kind: str
    source: StreamSource
    shape: RecordShape

    async def open(self, tmp: Path, exits: contextlib.AsyncExitStack) -> None: ...

    def put(self, key: str, value: str) -> None: ...


def value_of(record: dict[str, Any]) -> str:
    """The value a backend put, read from an event record (§3.2 or §3.3)."""
    if "kinesis" in record:
        return base64.b64decode(record["kinesis"]["data"]).decode()
    return str(record["dynamodb"]["NewImage"]["v"]["S"])


class EmbeddedStreamBackend:
    kind = "embedded-stream"

    async def open(self, tmp: Path, exits: contextlib.AsyncExitStack) -> None:
        clock = SystemClock()
        broker = await exits.enter_async_context(
            EmbeddedBroker(tmp, {}, region=REGION, account=ACCOUNT)
        )
        streams = EmbeddedStreams(
            tmp,
            {"clicks": StreamConfig(name="clicks", shard_count=1)},
            {},
            region=REGION,
            account=ACCOUNT,
            waker=broker.waker,
            clock=clock,
        )
        await exits.enter_async_context(streams)
        self.source = source = streams.stream_source("clicks")
        self._broker = streams.storage.core
        self.shape: RecordShape = KinesisShape(source.arn, REGION, ROLE_ARN)

    def put(self, key: str, value: str) -> None:
        self._broker.put_record("clicks", value.encode(), key)


class EmbeddedTableBackend:
    kind = "embedded-table"

    async def open(self, tmp: Path, exits: contextlib.AsyncExitStack) -> None:
        clock = SystemClock()
        broker = await exits.enter_async_context(
            EmbeddedBroker(tmp, {}, region=REGION, account=ACCOUNT)
        )
        streams = EmbeddedStreams(
            tmp,
            {},
            {"items": ITEMS},
            region=REGION,
            account=ACCOUNT,
            waker=broker.waker,
            clock=clock,
        )
        await exits.enter_async_context(streams)
        self.source = await streams.table_source("items")
        self.shape = DynamoDBShape(decode=dynamodb_event_record)
        self._tables = TableBroker(
            tmp / "streams.sqlite3",
            {"items": ITEMS},
            region=REGION,
            account=ACCOUNT,
            clock=clock,
            notify=broker.waker.notify_threadsafe,
        )
        exits.callback(self._tables.close)

    def put(self, key: str, value: str) -> None:
        self._tables.put_item("items", {"id": {"S": key}, "v": {"S": value}})


class KinesisBackend:
    kind = "kinesis"

    def __init__(self, endpoint: str) -> None:
        import boto3

        self._endpoint = endpoint
        self._client = boto3.client("kinesis", region_name=REGION, endpoint_url=endpoint)
        self._name = f"s-{uuid.uuid4().hex[:8]}"

    async def open(self, tmp: Path, exits: contextlib.AsyncExitStack) -> None:
        self._client.create_stream(StreamName=self._name, ShardCount=1)
        arn = f"arn:aws:kinesis:{REGION}:123456789012:stream/{self._name}"
        settings = AwsSettings(endpoint_url=self._endpoint, environment={})
        self.source = await open_kinesis_source(
            arn, settings, clock=SystemClock(), default_region=REGION, stack=exits
        )
        self.shape: RecordShape = KinesisShape(arn, REGION, ROLE_ARN)
        exits.callback(self._client.close)

    def put(self, key: str, value: str) -> None:
        self._client.put_record(StreamName=self._name, Data=value.encode(), PartitionKey=key)


class DynamoDBStreamsBackend:
    kind = "dynamodb-streams"

    def __init__(self, endpoint: str) -> None:
        import boto3

        self._endpoint = endpoint
        self._client = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint)
        self._table = f"t-{uuid.uuid4().hex[:8]}"

    async def open(self, tmp: Path, exits: contextlib.AsyncExitStack) -> None:
        self._client.create_table(
            TableName=self._table,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )
        table = self._client.describe_table(TableName=self._table)["Table"]
        arn = str(table["LatestStreamArn"])
        settings = AwsSettings(endpoint_url=self._endpoint, environment={})
        self.source = await open_dynamodb_stream_source(
            arn, settings, clock=SystemClock(), default_region=REGION, stack=exits
        )
        self.shape = DynamoDBShape()
        exits.callback(self._client.close)

    def put(self, key: str, value: str) -> None:
        self._client.put_item(TableName=self._table, Item={"id": {"S": key}, "v": {"S": value}})


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
