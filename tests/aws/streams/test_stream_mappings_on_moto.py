"""Stream mappings over real sources on moto: resharding, problems that recover, S3 payload,
stopping out of a problem back-off."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from streams_support import REGION, Moto, moto_mapping

from headrace.aws.clients import AwsSettings
from headrace.clock import SystemClock
from headrace.sources import aws_streams
from headrace.sources.aws_destinations import open_destination
from headrace.sources.kinesis import open_kinesis_source

pytestmark = pytest.mark.timeout(90)

# Bound on waiting for a running mapping to get somewhere.
WAIT_SECONDS = 30.0
# A source's problem back-off is 5-10 s (PROBLEM_RETRY_SECONDS); a stop ends it sooner.
STOP_SECONDS = 1.0


async def until(check: Callable[[], bool]) -> None:
    async def poll() -> None:
        while not check():  # noqa: ASYNC110 - state changed by other tasks, no event to wait on
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), WAIT_SECONDS)


def ok(event: dict[str, Any], context: Any) -> None:
    return None


async def stops_at_once(stop: Callable[[], None], task: asyncio.Task[Any]) -> float:
    started = time.monotonic()
    stop()
    await asyncio.wait_for(task, WAIT_SECONDS)
    return time.monotonic() - started


async def test_children_are_read_after_their_parent(moto: Moto, settings: AwsSettings) -> None:
    """§5.5 (headrace's choice): a reshard's children start once the parent is read to its end."""
    arn = moto.stream(shards=1)
    moto.put(arn, "k0", "k1", "k2")
    source = await open_kinesis_source(arn, settings, clock=SystemClock(), default_region=REGION)
    run = moto_mapping(source, ok)
    task = asyncio.create_task(run.engine.run())
    try:
        await until(lambda: len(run.delivered()) == 3)
        moto.kinesis.update_shard_count(
            StreamARN=arn, TargetShardCount=2, ScalingType="UNIFORM_SCALING"
        )
        # moto gap: after UpdateShardCount moto still writes new records to the closed
        # parent (its EndingSequenceNumber moves); on AWS they would go to the children.
        moto.put(arn, "k3", "k4")
        await until(lambda: len(run.delivered()) == 5)
        await until(lambda: len(run.mapping.statistics().shards) == 3)
    finally:
        run.engine.stop()
        await asyncio.wait_for(task, WAIT_SECONDS)
        await source.aclose()
    assert run.delivered() == ["k0", "k1", "k2", "k3", "k4"]
    states = {s.shard_id: s.state for s in run.mapping.statistics().shards}
    assert states["shardId-000000000000"] == "Ended"
    assert set(states) == {f"shardId-00000000000{i}" for i in range(3)}


async def test_missing_stream_shows_in_status_and_recovers(
    moto: Moto, settings: AwsSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 4, §1.6.12: LastProcessingResult shows "Stream not found" until the stream exists."""
    name = "appears-later"
    arn = moto.stream_arn(name)
    source = await open_kinesis_source(arn, settings, clock=SystemClock(), default_region=REGION)
    monkeypatch.setattr(aws_streams, "PROBLEM_RETRY_SECONDS", 0.05)  # retry soon
    run = moto_mapping(source, ok)
    source.report_to(run.mapping.record.hooks)
    task = asyncio.create_task(run.engine.run())
    try:
        await until(
            lambda: (
                run.mapping.statistics().last_processing_result
                == f"PROBLEM: Stream not found: {arn}"
            )
        )
        moto.kinesis.create_stream(StreamName=name, ShardCount=1)
        moto.put(arn, "late")
        await until(lambda: run.delivered() == ["late"])
        assert run.mapping.statistics().last_processing_result == "OK"
    finally:
        run.engine.stop()
        await asyncio.wait_for(task, WAIT_SECONDS)
        await source.aclose()


async def test_discarded_records_land_in_s3_with_payload(moto: Moto, settings: AwsSettings) -> None:
    """§4.2.15: the S3 object holds the on-failure record plus the invocation event."""
    arn = moto.stream()
    moto.put(arn, "poison")
    bucket = moto.bucket()
    source = await open_kinesis_source(arn, settings, clock=SystemClock(), default_region=REGION)
    async with contextlib.AsyncExitStack() as exits:
        destination = await open_destination(
            f"arn:aws:s3:::{bucket}",
            settings,
            exits,
            mapping_uuid="uuid-1",
            clock=SystemClock(),
            default_region=REGION,
        )

        def fail(event: dict[str, Any], context: Any) -> None:
            raise RuntimeError("boom")

        run = moto_mapping(
            source,
            fail,
            destination=destination,
            MaximumRetryAttempts=0,
            DestinationConfig={"OnFailure": {"Destination": f"arn:aws:s3:::{bucket}"}},
        )
        result = await run.drain()
        await source.aclose()
    assert result.drained
    ((key, stored),) = moto.objects(bucket).items()
    assert key.startswith("aws/lambda/uuid-1/shardId-000000000000/")
    assert stored["KinesisBatchInfo"]["batchSize"] == 1
    event = json.loads(stored["payload"])
    assert [r["kinesis"]["partitionKey"] for r in event["Records"]] == ["k"]


async def test_stop_ends_a_mapping_whose_stream_is_missing(
    moto: Moto, settings: AwsSettings
) -> None:
    """A graceful stop is not held up by a source that keeps retrying a missing stream: its
    problem back-off (5-10 s) ends at once (issue 8)."""
    arn = moto.stream_arn("never-created")
    source = await open_kinesis_source(arn, settings, clock=SystemClock(), default_region=REGION)
    run = moto_mapping(source, ok)
    source.report_to(run.mapping.record.hooks)
    task = asyncio.create_task(run.engine.run())
    try:
        await until(lambda: source.statistics().problem is not None)
    finally:
        took = await stops_at_once(run.engine.stop, task)
        await source.aclose()
    assert took < STOP_SECONDS


async def test_a_run_with_a_timeout_ends_while_the_stream_is_missing(
    moto: Moto, settings: AwsSettings
) -> None:
    """`run --until-drained --timeout`: a missing stream never drains, and the run times out."""
    arn = moto.stream_arn("never-there")
    source = await open_kinesis_source(arn, settings, clock=SystemClock(), default_region=REGION)
    run = moto_mapping(source, ok)
    try:
        result = await asyncio.wait_for(
            run.engine.run(until_drained=True, timeout=0.5), WAIT_SECONDS
        )
    finally:
        await source.aclose()
    assert (result.drained, result.timed_out) == (False, True)


async def test_stop_ends_the_back_off_of_a_shard_whose_stream_went(
    moto: Moto, settings: AwsSettings
) -> None:
    """Issue 8: a shard reader backing off after its stream was deleted stops at once."""
    arn = moto.stream(shards=1)
    moto.put(arn, "a")
    source = await open_kinesis_source(arn, settings, clock=SystemClock(), default_region=REGION)
    run = moto_mapping(source, ok)
    source.report_to(run.mapping.record.hooks)
    task = asyncio.create_task(run.engine.run())
    try:
        await until(lambda: run.delivered() == ["a"])
        moto.kinesis.delete_stream(StreamARN=arn)
        await until(lambda: "PROBLEM" in run.mapping.statistics().last_processing_result)
        took = await stops_at_once(run.engine.stop, task)
    finally:
        await source.aclose()
    assert took < STOP_SECONDS
