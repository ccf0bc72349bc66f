"""The embedded streams as a StreamSource, and stream mappings over them with real parts
(SQLite streams and checkpoints, broker threads, wake-ups, the embedded queue destination)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from headrace.broker.embedded import EmbeddedBroker
from headrace.broker.tables import TableBroker, dynamodb_event_record
from headrace.clock import SystemClock
from headrace.config.model import EventSourceMappingConfig, QueueConfig
from headrace.config.resources import (
    AttributeDefinition,
    KeySchemaElement,
    StreamConfig,
    StreamSpecification,
    TableConfig,
)
from headrace.esm.engine import Engine, StreamBinding
from headrace.esm.streams.stream_build import build_stream_mapping
from headrace.sources.embedded_streams import EmbeddedQueueDestination, EmbeddedStreams
from headrace.sources.kinds.record_shapes import DynamoDBShape, KinesisShape
from headrace.sources.source_seam import StreamStart
from headrace.state.sqlite_state import open_sqlite_checkpoints
from headrace.testing.memory_functions import InMemoryFunctionRuntime

REGION = "us-east-1"
ACCOUNT = "000000000000"
STREAM_ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/clicks"
FAILURES_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:failures"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn"
START = StreamStart("TRIM_HORIZON")
# Bound on a run that must drain: a hang fails the test instead of blocking the suite.
RUN_TIMEOUT = 20.0
USERS = TableConfig(
    name="users",
    key_schema=(KeySchemaElement(attribute_name="id", key_type="HASH"),),
    attribute_definitions=(AttributeDefinition(attribute_name="id", attribute_type="S"),),
    stream_specification=StreamSpecification(stream_view_type="NEW_IMAGE"),
)


@pytest.fixture
async def parts(tmp_path: Path) -> AsyncIterator[tuple[EmbeddedBroker, EmbeddedStreams]]:
    clock = SystemClock()
    queues = {"failures": QueueConfig(name="failures")}
    async with EmbeddedBroker(tmp_path, queues, region=REGION, account=ACCOUNT) as broker:
        streams = EmbeddedStreams(
            tmp_path,
            {"clicks": StreamConfig(name="clicks", shard_count=2)},
            {"users": USERS},
            region=REGION,
            account=ACCOUNT,
            waker=broker.waker,
            clock=clock,
        )
        async with streams:
            yield broker, streams


def put(streams: EmbeddedStreams, *items: tuple[str, str]) -> None:
    """Put records with a separate StreamBroker, as `headrace put` would."""
    broker = streams.storage.core
    for data, key in items:
        broker.put_record("clicks", data.encode(), key)


async def test_reads_report_the_tip_only_when_nothing_is_left(
    parts: tuple[EmbeddedBroker, EmbeddedStreams],
) -> None:
    """docs/streams.md: a read cut by its limit is not at the tip; the last one is."""
    _, streams = parts
    source = streams.stream_source("clicks")
    shard = (await source.list_shards())[0].shard_id
    broker = streams.storage.core
    for _ in range(3):
        broker.put_record("clicks", b"x", "k", explicit_hash_key="0")
    iterator = await source.iterator(shard, StreamStart("TRIM_HORIZON"))
    first = await source.get_records(iterator, 2)
    assert (len(first.records), first.at_tip) == (2, False)
    assert first.next_iterator is not None
    second = await source.get_records(first.next_iterator, 2)
    assert (len(second.records), second.at_tip) == (1, True)


async def test_a_put_wakes_a_waiting_reader(
    parts: tuple[EmbeddedBroker, EmbeddedStreams],
) -> None:
    """design.md: idle shards wait on wake-ups, and a put wakes them at once."""
    _, streams = parts
    source = streams.stream_source("clicks")
    version = source.version()
    waiting = asyncio.create_task(source.wait_for_records(version, RUN_TIMEOUT))
    await asyncio.sleep(0)
    await asyncio.to_thread(put, streams, ("a", "k"))
    assert await asyncio.wait_for(waiting, RUN_TIMEOUT)


async def test_latest_sequence_number_and_records_after(
    parts: tuple[EmbeddedBroker, EmbeddedStreams],
) -> None:
    """§7.1 LATEST resolution and the drain check's question, on the embedded stream."""
    _, streams = parts
    source = streams.stream_source("clicks")
    broker = streams.storage.core
    result = broker.put_record("clicks", b"x", "k", explicit_hash_key="0")
    shard = result.shard_id
    assert await source.latest_sequence_number(shard) == result.sequence_number
    assert not await source.has_records_after(shard, result.sequence_number)
    assert await source.has_records_after(shard, None)


def mapping(source_arn: str, **fields: Any) -> EventSourceMappingConfig:
    return EventSourceMappingConfig.from_aws(
        {
            "FunctionName": "fn",
            "EventSourceArn": source_arn,
            "StartingPosition": "TRIM_HORIZON",
            **fields,
        }
    )


async def run_until_drained(engine: Engine) -> None:
    result = await asyncio.wait_for(engine.run(until_drained=True), RUN_TIMEOUT)
    assert result.drained


async def test_a_kinesis_mapping_drains_and_checkpoints_in_sqlite(
    parts: tuple[EmbeddedBroker, EmbeddedStreams], tmp_path: Path
) -> None:
    """§7.3: records put by another broker are delivered; checkpoints land in state.sqlite3."""
    _, streams = parts
    seen: list[str] = []
    runtime = InMemoryFunctionRuntime(
        "fn", lambda e, c: seen.extend(r["kinesis"]["partitionKey"] for r in e["Records"])
    )
    store = open_sqlite_checkpoints(tmp_path / "state.sqlite3")
    source = streams.stream_source("clicks")
    built = build_stream_mapping(
        mapping(STREAM_ARN),
        source,
        runtime,
        shape=KinesisShape(STREAM_ARN, REGION, "arn:aws:iam::000000000000:role/fn"),
        store=store,
        clock=SystemClock(),
        function_arn=FUNCTION_ARN,
    )
    await asyncio.to_thread(put, streams, *[("x", f"key-{i}") for i in range(50)])
    await run_until_drained(Engine([StreamBinding(built)]))
    assert sorted(seen) == sorted(f"key-{i}" for i in range(50))
    saved = await store.load(built.uuid)
    assert saved.started
    assert len(saved.positions) == 2
    await store.aclose()


async def test_a_table_stream_mapping_gets_dynamodb_records(
    parts: tuple[EmbeddedBroker, EmbeddedStreams], tmp_path: Path
) -> None:
    """§3.3: a table's change stream delivers DynamoDB records carrying the stream ARN."""
    _, streams = parts
    source = await streams.table_source("users")
    tables = TableBroker(
        tmp_path / "streams.sqlite3", {"users": USERS}, region=REGION, account=ACCOUNT
    )
    tables.put_item("users", {"id": {"S": "u1"}, "n": {"N": "1"}})
    tables.close()
    events: list[dict[str, Any]] = []
    runtime = InMemoryFunctionRuntime("fn", lambda e, c: events.append(e))
    built = build_stream_mapping(
        mapping(source.arn),
        source,
        runtime,
        shape=DynamoDBShape(decode=dynamodb_event_record),
        store=open_sqlite_checkpoints(tmp_path / "state.sqlite3"),
        clock=SystemClock(),
        function_arn=FUNCTION_ARN,
    )
    await run_until_drained(Engine([StreamBinding(built)]))
    (record,) = events[0]["Records"]
    assert record["eventName"] == "INSERT"
    assert record["eventSourceARN"] == source.arn
    assert record["dynamodb"]["Keys"] == {"id": {"S": "u1"}}


async def test_on_failure_records_go_to_an_embedded_queue(
    parts: tuple[EmbeddedBroker, EmbeddedStreams], tmp_path: Path
) -> None:
    """§4.2.10: the on-failure record is the body of a message on the destination queue."""
    broker, streams = parts

    def failing(event: dict[str, Any], context: Any) -> None:
        raise ValueError("always")

    source = streams.stream_source("clicks")
    built = build_stream_mapping(
        mapping(STREAM_ARN, MaximumRetryAttempts=0, BatchSize=10),
        source,
        InMemoryFunctionRuntime("fn", failing),
        shape=KinesisShape(STREAM_ARN, REGION, "arn:aws:iam::000000000000:role/fn"),
        store=open_sqlite_checkpoints(tmp_path / "state.sqlite3"),
        clock=SystemClock(),
        function_arn=FUNCTION_ARN,
        destination=EmbeddedQueueDestination(broker, FAILURES_ARN),
    )
    await asyncio.to_thread(put, streams, ("a", "k"))
    await run_until_drained(Engine([StreamBinding(built)]))
    (message,) = broker.queues.peek_messages("failures", 10)
    body = json.loads(message.body)
    assert body["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert body["KinesisBatchInfo"]["streamArn"] == STREAM_ARN
    assert built.statistics().on_failure_delivered == 1


class Problems:
    """A ProblemListener that keeps what it was told and wakes a test waiting for it."""

    def __init__(self) -> None:
        self.told: list[str | None] = []
        self.changed = asyncio.Event()

    def problem(self, text: str | None) -> None:
        self.told.append(text)
        self.changed.set()


async def told(problems: Problems, text: str | None) -> None:
    """Wait until ``problems`` was last told ``text``."""
    while not problems.told or problems.told[-1] != text:
        problems.changed.clear()
        await asyncio.wait_for(problems.changed.wait(), RUN_TIMEOUT)


async def test_a_deleted_stream_is_a_problem_until_it_is_made_again(
    parts: tuple[EmbeddedBroker, EmbeddedStreams],
) -> None:
    """§1.6.12: a read of a deleted stream does not raise: the source tells its listener
    ``Stream not found: <arn>`` and waits; CreateStream under the name wakes it, the problem
    ends, and the new stream's shard is read from its first record (the old iterator named
    the old stream); a shard the new stream does not have ends."""
    _, streams = parts
    source = streams.stream_source("clicks")
    problems = Problems()
    source.report_to(problems)
    core = streams.storage.core
    core.put_record("clicks", b"old", "k", explicit_hash_key="0")
    first = await source.get_records(await source.iterator("shardId-000000000000", START), 10)
    last = await source.iterator("shardId-000000000001", START)
    assert [r.data for r in first.records] == [b"old"]
    assert first.next_iterator is not None
    await streams.storage.delete_stream("clicks")
    reading = asyncio.create_task(source.get_records(first.next_iterator, 10))
    await told(problems, f"Stream not found: {STREAM_ARN}")
    assert not reading.done()

    def make_again() -> None:  # on the broker thread: no read of the source in between
        core.create_stream("clicks", StreamConfig(name="clicks", shard_count=1))
        core.put_record("clicks", b"new", "k")

    await streams.thread.call(make_again)
    read = await asyncio.wait_for(reading, RUN_TIMEOUT)
    assert [r.data for r in read.records] == [b"new"]
    assert problems.told == [f"Stream not found: {STREAM_ARN}", None]
    ended = await source.get_records(last, 10)
    assert (ended.records, ended.next_iterator) == ((), None)


async def test_listing_a_deleted_stream_waits_for_it(
    parts: tuple[EmbeddedBroker, EmbeddedStreams],
) -> None:
    """A mapping that lists the shards of a deleted stream waits, showing the problem,
    instead of failing (a real source retries a missing stream the same way)."""
    _, streams = parts
    source = streams.stream_source("clicks")
    problems = Problems()
    source.report_to(problems)
    await streams.storage.delete_stream("clicks")
    listing = asyncio.create_task(source.list_shards())
    await told(problems, f"Stream not found: {STREAM_ARN}")
    await streams.storage.create_stream("clicks", StreamConfig(name="clicks", shard_count=3))
    assert len(await asyncio.wait_for(listing, RUN_TIMEOUT)) == 3
    assert problems.told[-1] is None


async def test_a_deleted_tables_change_stream_is_a_problem(
    parts: tuple[EmbeddedBroker, EmbeddedStreams],
) -> None:
    """DeleteTable under a table-stream mapping: the read waits and shows ``Stream not
    found: <stream arn>`` (§1.6.12) instead of raising."""
    _, streams = parts
    source = await streams.table_source("users")
    problems = Problems()
    source.report_to(problems)
    shard = (await source.list_shards())[0].shard_id
    iterator = await source.iterator(shard, START)
    await streams.tables.delete_table("users")
    reading = asyncio.create_task(source.get_records(iterator, 10))
    await told(problems, f"Stream not found: {source.arn}")
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
