"""Helpers of the AWS stream tests: streams, tables, queues, topics and buckets on moto,
a clock that records sleeps, and a mapping over a real source run until drained."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from headrace.clock import SystemClock
from headrace.config.model import EventSourceMappingConfig
from headrace.esm.engine import Engine, RunResult, StreamBinding
from headrace.esm.streams.destinations import DestinationSender
from headrace.esm.streams.shapes import RecordShape
from headrace.esm.streams.stream_build import build_stream_mapping
from headrace.esm.streams.stream_mapping import StreamMapping
from headrace.sources.aws_streams import AwsStreamSource
from headrace.sources.kinds.record_shapes import DynamoDBShape, KinesisShape
from headrace.state.memory_state import MemoryCheckpoints, memory_checkpoints
from headrace.testing.memory_functions import InMemoryFunctionRuntime

REGION = "us-east-1"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:consume"
ROLE_ARN = "arn:aws:iam::123456789012:role/consume-role"
# Every wait in these tests ends by this many seconds, or the test fails.
DRAIN_TIMEOUT_SECONDS = 30.0


class QuickClock(SystemClock):
    """Real time, but sleeps are recorded and cut to a few milliseconds (retries and
    problem backoffs then take no wall time; the recorded delays are what tests check)."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(min(seconds, 0.005))


class Moto:
    """boto3 clients on moto's server for arranging a test (synchronous)."""

    def __init__(self, endpoint: str) -> None:
        import boto3

        self.endpoint = endpoint
        make = lambda name: boto3.client(name, region_name=REGION, endpoint_url=endpoint)  # noqa: E731
        self.kinesis = make("kinesis")
        self.dynamodb = make("dynamodb")
        self.sqs = make("sqs")
        self.sns = make("sns")
        self.s3 = make("s3")

    def stream(self, shards: int = 1) -> str:
        name = f"s-{uuid.uuid4().hex[:8]}"
        self.kinesis.create_stream(StreamName=name, ShardCount=shards)
        return self.stream_arn(name)

    def stream_arn(self, name: str) -> str:
        return f"arn:aws:kinesis:{REGION}:123456789012:stream/{name}"

    def put(self, stream_arn: str, *items: str, key: str = "k") -> list[str]:
        """Put each item as a record; their sequence numbers."""
        return [
            self.kinesis.put_record(StreamARN=stream_arn, Data=item.encode(), PartitionKey=key)[
                "SequenceNumber"
            ]
            for item in items
        ]

    def table(self, view: str = "NEW_AND_OLD_IMAGES") -> tuple[str, str]:
        """A table with a stream: (table name, stream ARN)."""
        name = f"t-{uuid.uuid4().hex[:8]}"
        self.dynamodb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
        )
        arn = self.dynamodb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        return name, str(arn)

    def put_item(self, table: str, item_id: str, **values: Any) -> None:
        item: dict[str, Any] = {"id": {"S": item_id}}
        for name, value in values.items():
            item[name] = {"B": value} if isinstance(value, bytes) else {"S": str(value)}
        self.dynamodb.put_item(TableName=table, Item=item)

    def queue(self, fifo: bool = False) -> tuple[str, str]:
        """A queue: (URL, ARN)."""
        name = f"q-{uuid.uuid4().hex[:8]}" + (".fifo" if fifo else "")
        attributes = {"FifoQueue": "true"} if fifo else {}
        url = self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        return url, f"arn:aws:sqs:{REGION}:123456789012:{name}"

    def bodies(self, url: str) -> list[str]:
        found: list[str] = []
        while True:
            got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                return found
            found += [m["Body"] for m in got]

    def bucket(self) -> str:
        name = f"b-{uuid.uuid4().hex[:8]}"
        self.s3.create_bucket(Bucket=name)
        return name

    def objects(self, bucket: str) -> dict[str, dict[str, Any]]:
        keys = [o["Key"] for o in self.s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        return {
            key: json.loads(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
            for key in keys
        }

    def close(self) -> None:
        for client in (self.kinesis, self.dynamodb, self.sqs, self.sns, self.s3):
            client.close()


def data_of(record: dict[str, Any]) -> str:
    """A Kinesis event record's data, or a DynamoDB record's item id."""
    if "kinesis" in record:
        return base64.b64decode(record["kinesis"]["data"]).decode()
    return str(record["dynamodb"]["Keys"]["id"]["S"])


@dataclass
class MotoMapping:
    """A stream mapping over a real source, run with an in-memory function."""

    source: AwsStreamSource
    runtime: InMemoryFunctionRuntime
    store: MemoryCheckpoints
    mapping: StreamMapping
    engine: Engine
    results: list[RunResult] = field(default_factory=list)

    def batches(self) -> list[list[str]]:
        return [[data_of(r) for r in e["Records"]] for e in self.runtime.invocations]

    def delivered(self) -> list[str]:
        out: list[str] = []
        for event, result in zip(self.runtime.invocations, self.runtime.results, strict=True):
            if result.ok:
                out += [data_of(r) for r in event["Records"]]
        return out

    async def drain(self) -> RunResult:
        """Run until drained; fail after DRAIN_TIMEOUT_SECONDS."""
        result = await asyncio.wait_for(self.engine.run(until_drained=True), DRAIN_TIMEOUT_SECONDS)
        self.results.append(result)
        return result


def moto_mapping(
    source: AwsStreamSource,
    handler: Callable[[dict[str, Any], Any], Any],
    *,
    store: MemoryCheckpoints | None = None,
    destination: DestinationSender | None = None,
    **fields: Any,
) -> MotoMapping:
    """A mapping of ``source`` to ``handler`` with ``fields`` (AWS's names)."""
    store = store or memory_checkpoints()
    runtime = InMemoryFunctionRuntime("consume", handler, concurrency=10)
    config = EventSourceMappingConfig.from_aws(
        {
            "FunctionName": "consume",
            "EventSourceArn": source.arn,
            "StartingPosition": "TRIM_HORIZON",
            **fields,
        }
    )
    shape: RecordShape = (
        DynamoDBShape()
        if ":dynamodb:" in source.arn
        else KinesisShape(source.arn, REGION, ROLE_ARN)
    )
    clock = SystemClock()

    built = build_stream_mapping(
        config,
        source,
        runtime,
        shape=shape,
        store=store,
        clock=clock,
        function_arn=FUNCTION_ARN,
        destination=destination,
    )
    return MotoMapping(source, runtime, store, built, Engine([StreamBinding(built)], clock=clock))


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Block until ``check()`` (synchronous arrangement steps only)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
