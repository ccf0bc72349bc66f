"""Stream error handling end to end over fakes: retries, bisect, partial responses, record
age and on-failure destinations (§3.5.6-3.5.7, §4.2, §8.4)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from stream_harness import (
    DESTINATION_ARN,
    FUNCTION_ARN,
    STREAM_ARN,
    MakeStreamHarness,
    data_of,
    settle,
)

RECORDINGS = Path("/work/shared/reference/aws-recordings")
ON_FAILURE = {"OnFailure": {"Destination": DESTINATION_ARN}}


def recorded(test_name: str, *path: str) -> Any:
    """A value from the Kinesis recording of ``test_name``."""
    snapshot = json.loads(
        (RECORDINGS / "test_lambda_integration_kinesis.snapshot.json").read_text()
    )
    key = next(k for k in snapshot if k.endswith(test_name))
    value: Any = snapshot[key]["recorded-content"]
    for step in path:
        value = value[step]
    return value


def failing_on(*poison: str) -> Any:
    """A handler that raises when its batch holds a poison record."""

    def handler(event: dict[str, Any], context: Any) -> None:
        if any(data_of(r) in poison for r in event["Records"]):
            raise ValueError("poison")

    return handler


def reporting(*poison: str) -> Any:
    """A handler that reports its poison records as batchItemFailures."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failed = [
            {"itemIdentifier": r["kinesis"]["sequenceNumber"]}
            for r in event["Records"]
            if data_of(r) in poison
        ]
        return {"batchItemFailures": failed}

    return handler


async def test_a_failed_batch_is_retried_whole_until_it_succeeds(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§4.2.1: a function error retries the whole batch; the shard does not move on."""
    calls = {"n": 0}

    def flaky(event: dict[str, Any], context: Any) -> None:
        calls["n"] += 1
        if calls["n"] <= 2:
            raise ValueError("not yet")

    harness = make_stream_harness(flaky, BatchSize=2)
    harness.put("a", "b", "c")
    await harness.drain()
    assert harness.batches() == [["a", "b"], ["a", "b"], ["a", "b"], ["c"]]


async def test_retries_exhausted_sends_the_recorded_on_failure_record(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§4.2.10-4.2.13 recorded: MaximumRetryAttempts 1, BatchSize 1 -> one record, count 2."""
    harness = make_stream_harness(
        failing_on("bad"), BatchSize=1, MaximumRetryAttempts=1, DestinationConfig=ON_FAILURE
    )
    harness.put("bad")
    await harness.drain()
    (record,) = harness.destination.records
    expected = recorded(
        "test_kinesis_event_source_mapping_with_on_failure_destination_config",
        "sqs_payload",
        "Messages",
    )[0]["Body"]
    assert _shape(record) == _shape(expected)
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestContext"]["functionArn"] == FUNCTION_ARN
    assert record["requestContext"]["requestId"] == harness.runtime.results[-1].request_id
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    info = record["KinesisBatchInfo"]
    sequence = harness.events[0]["Records"][0]["kinesis"]["sequenceNumber"]
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == sequence
    assert (info["batchSize"], info["shardId"], info["streamArn"]) == (
        1,
        "shardId-000000000000",
        STREAM_ARN,
    )


def _shape(value: Any) -> Any:
    """Keys (in order) and value types, placeholders aside."""
    if isinstance(value, dict):
        return [(k, _shape(v)) for k, v in value.items()]
    return type(value).__name__ if not isinstance(value, str) else "str"


async def test_on_failure_arrival_times_have_milliseconds(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§4.2.10: Kinesis batch info times are ISO 8601 UTC with milliseconds."""
    harness = make_stream_harness(
        failing_on("bad"), MaximumRetryAttempts=0, DestinationConfig=ON_FAILURE
    )
    harness.clock.advance(0.835)
    harness.put("bad")
    await harness.drain()
    info = harness.destination.records[0]["KinesisBatchInfo"]
    assert info["approximateArrivalOfFirstRecord"] == "2023-11-14T22:13:20.835Z"
    assert harness.destination.records[0]["timestamp"].endswith("Z")


async def test_the_checkpoint_moves_past_discarded_records(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§4.2.7: after a discard the shard goes on with the next records."""
    harness = make_stream_harness(
        failing_on("bad"), BatchSize=1, MaximumRetryAttempts=0, DestinationConfig=ON_FAILURE
    )
    harness.put("a", "bad", "c")
    await harness.drain()
    assert harness.delivered() == ["a", "c"]
    last = harness.source.records("shardId-000000000000")[-1].sequence_number
    assert (await harness.store.load(harness.mapping.uuid)).positions == {
        "shardId-000000000000": last
    }


async def test_a_poison_record_in_a_batch_of_100_with_bisect_is_isolated(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§4.2.6: with bisect every other record is delivered; one on-failure record for it."""
    harness = make_stream_harness(
        failing_on("r57"),
        BatchSize=100,
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=2,
        DestinationConfig=ON_FAILURE,
    )
    harness.put(*[f"r{i}" for i in range(100)])
    await harness.drain()
    assert harness.delivered() == [f"r{i}" for i in range(100) if i != 57]
    (record,) = harness.destination.records
    info = record["KinesisBatchInfo"]
    poison = harness.source.records("shardId-000000000000")[57].sequence_number
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == poison
    assert info["batchSize"] == 1
    stats = harness.mapping.statistics()
    assert (stats.on_failure_delivered, stats.dropped) == (1, 0)


async def test_bisect_invokes_the_first_half_before_the_second(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§4.2.6 choice: halves are retried in order, so order per key holds."""
    harness = make_stream_harness(
        failing_on("d"), BatchSize=4, BisectBatchOnFunctionError=True, MaximumRetryAttempts=0
    )
    harness.put("a", "b", "c", "d")
    await harness.drain()
    assert harness.batches() == [["a", "b", "c", "d"], ["a", "b"], ["c", "d"], ["c"], ["d"]]


async def test_partial_response_retries_from_the_lowest_failed_record(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§3.5.6: records before the lowest reported one are done; the rest is re-sent."""
    state = {"failed": False}

    def once(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if state["failed"]:
            return {"batchItemFailures": []}
        state["failed"] = True
        seq = event["Records"][1]["kinesis"]["sequenceNumber"]
        return {"batchItemFailures": [{"itemIdentifier": seq}]}

    harness = make_stream_harness(
        once, BatchSize=4, FunctionResponseTypes=["ReportBatchItemFailures"]
    )
    harness.put("a", "b", "c", "d")
    await harness.drain()
    assert harness.batches() == [["a", "b", "c", "d"], ["b", "c", "d"]]


async def test_partial_failures_exhaust_retries_as_recorded(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§4.2.12-4.2.14 recorded: batch of 3, last failing, N=3 -> count 4, batchSize 1, null."""
    harness = make_stream_harness(
        reporting("bad"),
        BatchSize=3,
        MaximumRetryAttempts=3,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        DestinationConfig=ON_FAILURE,
    )
    harness.put("ok-1", "ok-2", "bad")
    await harness.drain()
    (record,) = harness.destination.records
    expected = recorded("test_kinesis_report_batch_item_failures", "sqs_payload", "Messages")
    assert _shape(record) == _shape(expected[0]["Body"])
    assert record["requestContext"]["approximateInvokeCount"] == 4
    assert record["responseContext"]["functionError"] is None
    assert record["KinesisBatchInfo"]["batchSize"] == 1
    assert harness.delivered() == ["ok-1", "ok-2", "bad", "bad", "bad", "bad"]


async def test_record_age_exceeded_has_no_response_context(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§4.2.5, §4.2.11 recorded: records past MaximumRecordAgeInSeconds are discarded."""
    harness = make_stream_harness(
        failing_on("old"),
        BatchSize=1,
        MaximumRecordAgeInSeconds=60,
        DestinationConfig=ON_FAILURE,
    )
    harness.put("old")
    await harness.drain(step=5.0)
    (record,) = harness.destination.records
    expected = recorded(
        "test_kinesis_maximum_record_age_exceeded[expire-while-retrying]",
        "record_age_exceeded_payload",
        "Messages",
    )
    assert _shape(record) == _shape(expected[0]["Body"])
    assert record["requestContext"]["condition"] == "RecordAgeExceeded"
    assert "responseContext" not in record
    assert record["requestContext"]["approximateInvokeCount"] == len(harness.events)


async def test_a_record_too_old_before_its_first_invocation_is_never_sent(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§4.2.5, §4.2.13: discarded unsent, approximateInvokeCount 0 (real invocations; issue
    8's choice where AWS's expire-before-ingestion recording shows 1)."""
    harness = make_stream_harness(
        lambda e, c: None, MaximumRecordAgeInSeconds=60, DestinationConfig=ON_FAILURE
    )
    harness.put("old")
    harness.clock.advance(61)
    await harness.drain()
    assert harness.events == []
    (record,) = harness.destination.records
    assert record["requestContext"]["approximateInvokeCount"] == 0


async def test_without_a_destination_discarded_records_count_as_dropped(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§8.4: DroppedEventCount counts records given up with no destination."""
    harness = make_stream_harness(failing_on("bad"), BatchSize=2, MaximumRetryAttempts=0)
    harness.put("bad", "x")
    await harness.drain()
    stats = harness.mapping.statistics()
    assert (stats.dropped, stats.on_failure_delivered) == (2, 0)


async def test_a_failed_delivery_counts_a_destination_failure_and_drops(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§8.4: delivery failure -> DestinationDeliveryFailures 1, DroppedEventCount = records."""
    harness = make_stream_harness(
        failing_on("bad"), BatchSize=3, MaximumRetryAttempts=0, DestinationConfig=ON_FAILURE
    )
    harness.destination.failing = True
    harness.put("bad", "x", "y")
    result = await harness.drain()
    assert result.drained
    stats = harness.mapping.statistics()
    assert (stats.destination_delivery_failures, stats.dropped) == (1, 3)
    assert stats.on_failure_delivered == 0


async def test_failures_count_errors_and_failed_invoke_events(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§8.4, §1.3.5: Errors, FailedInvokeEventCount and "PROBLEM: Function call failed"."""
    harness = make_stream_harness(failing_on("bad"), BatchSize=2, MaximumRetryAttempts=1)
    harness.put("bad", "x")
    await harness.drain()
    stats = harness.mapping.statistics()
    assert (stats.errors, stats.failed_invoke, stats.invocations) == (2, 4, 2)
    assert stats.last_processing_result == "PROBLEM: Function call failed"


async def test_a_shard_blocked_by_retries_is_not_drained(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """design.md: with MaximumRetryAttempts -1 a poison record blocks; --timeout ends it."""
    harness = make_stream_harness(failing_on("bad"))
    harness.put("bad")
    run = asyncio.create_task(harness.engine.run(until_drained=True, timeout=30))
    for _ in range(200):
        await settle()
        if run.done():
            break
        harness.clock.advance(1)
    result = run.result()
    assert result.timed_out
    assert not result.drained
    assert harness.mapping.statistics().shards[0].state == "Retrying"
