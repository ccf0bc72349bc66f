"""Each source kind's own rules: resolution, lanes, texts, payload and record shapes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import msgspec

from headrace.config.kinds import ResolvedSource, Unresolved
from headrace.config.model import Config, EventSourceMappingConfig
from headrace.config.resources import QueueConfig, StreamConfig
from headrace.events import QueueMessage, encode_event, sqs_record
from headrace.sources.kinds.kind_table import kind_for, kind_named
from headrace.sources.kinds.sqs_family import QUEUE_NOT_FOUND, SqsRecordShape

HOME = "arn:aws:sqs:us-east-1:000000000000"
AWAY = "arn:aws:sqs:eu-west-1:123456789012"
STREAM = "arn:aws:kinesis:us-east-1:000000000000:stream/clicks"


@dataclass(frozen=True)
class _Declared:
    queues: frozenset[str] = frozenset({"orders", "jobs.fifo"})
    streams: frozenset[str] = frozenset({"clicks"})
    tables: frozenset[str] = frozenset()


CONFIG = Config(
    path=Path("headrace.yaml"),
    queues={
        "orders": QueueConfig.from_aws("orders", {}),
        "jobs.fifo": QueueConfig.from_aws("jobs.fifo", {"FifoQueue": True}),
    },
    streams={"clicks": StreamConfig.from_aws("clicks", {"ShardCount": 3})},
)


def _mapping(arn: str, **fields: object) -> EventSourceMappingConfig:
    return EventSourceMappingConfig.from_aws({"FunctionName": "f", "EventSourceArn": arn, **fields})


def test_a_home_queue_that_is_not_declared_does_not_exist() -> None:
    """§1.6.11: an embedded-queue ARN naming nothing declared gets AWS's NonExistentQueue text."""
    resolved = kind_named("embedded-queue").resolve(f"{HOME}:nope", CONFIG, _Declared())
    assert resolved == Unresolved(QUEUE_NOT_FOUND)


def test_a_declared_fifo_queue_gets_fifo_limits() -> None:
    """§1.6.8-1.6.9: a FIFO queue allows BatchSize 10 at most and no window."""
    resolved = kind_named("embedded-queue").resolve(f"{HOME}:jobs.fifo", CONFIG, _Declared())
    assert isinstance(resolved, ResolvedSource)
    assert resolved.defaults.max_batch_size == 10
    assert not resolved.defaults.supports_window


def test_a_real_queue_is_fifo_by_its_name() -> None:
    """§1.6.8: a real queue's ARN ending in .fifo is a FIFO queue."""
    resolved = kind_named("sqs").resolve(f"{AWAY}:pay.fifo", CONFIG, _Declared())
    assert isinstance(resolved, ResolvedSource)
    assert not resolved.defaults.supports_window


def test_a_home_stream_that_is_not_declared_is_not_found() -> None:
    """§1.6.12: an embedded-stream ARN naming no declared stream gets "Stream not found"."""
    arn = "arn:aws:kinesis:us-east-1:000000000000:stream/other"
    resolved = kind_named("embedded-stream").resolve(arn, CONFIG, _Declared())
    assert resolved == Unresolved(f"Stream not found: {arn}")


def test_queue_and_stream_kinds_word_duplicates_as_aws_does() -> None:
    """§1.6.15: SQS and streams have different ResourceConflictException texts."""
    queue = kind_named("sqs").duplicate_message(f"{AWAY}:q", "f", "u-1")
    stream = kind_named("kinesis").duplicate_message(STREAM, "f", "u-1")
    assert queue.startswith('An event source mapping with SQS arn (" ')
    assert stream.startswith('The event source arn (" ')
    assert queue.endswith("with UUID u-1")
    assert stream.endswith("with UUID u-1")


def test_lanes_follow_the_kind() -> None:
    """§5.6: five batches per queue mapping; §5.2: shards times ParallelizationFactor."""
    queue = _mapping(f"{HOME}:orders")
    stream = _mapping(STREAM, StartingPosition="LATEST", ParallelizationFactor=2)
    assert kind_for(CONFIG, queue).lanes(CONFIG, queue) == 5  # type: ignore[union-attr]
    assert kind_for(CONFIG, stream).lanes(CONFIG, stream) == 6  # type: ignore[union-attr]


def test_only_embedded_resources_must_be_built() -> None:
    """A mapping to an embedded resource with problems of its own is left out; real ones stay."""
    assert kind_named("embedded-queue").built(CONFIG, f"{HOME}:orders")
    assert not kind_named("embedded-queue").built(CONFIG, f"{HOME}:broken")
    assert kind_named("sqs").built(CONFIG, f"{AWAY}:anything")


def test_payload_rules_unwrap_as_each_service_stores_the_payload() -> None:
    """§6.5: SQS body is text; Kinesis data is base64; DynamoDB Streams has no payload rule."""
    sqs, kinesis = kind_named("sqs").payload, kind_named("kinesis").payload
    assert sqs is not None
    assert kinesis is not None
    assert sqs.unwrap('{"a":1}') == '{"a":1}'
    assert sqs.plain_text
    assert kinesis.unwrap("eyJhIjoxfQ==") == b'{"a":1}'
    assert not kinesis.plain_text
    assert kind_named("dynamodb-streams").payload is None


def test_sqs_shape_builds_the_records_event() -> None:
    """§3.1: the SQS event is {"Records": [...]} of the messages' records, byte for byte."""
    shape = SqsRecordShape(f"{HOME}:orders", "us-east-1")
    messages = [QueueMessage(f"id-{i}", f"h-{i}", f"body {i}", "md5", {}) for i in range(2)]
    records = [shape.record(m) for m in messages]
    assert records == [sqs_record(m, f"{HOME}:orders", "us-east-1") for m in messages]
    payload = shape.envelope([shape.encode(r) for r in records])
    assert payload == encode_event(records)
    assert shape.envelope_bytes == len(shape.envelope([]))
    assert json.loads(payload)["Records"][1]["body"] == "body 1"
    assert msgspec.json.decode(shape.encode(records[0]))["eventSource"] == "aws:sqs"
