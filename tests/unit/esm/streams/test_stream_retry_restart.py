"""Retry counts kept with the checkpoint: a restart gives no failing batch a fresh
MaximumRetryAttempts (issue 8; §4.2.4, §4.2.13)."""

from __future__ import annotations

from typing import Any

from stream_harness import DESTINATION_ARN, MakeStreamHarness, StreamHarness, data_of

from headrace.esm.streams.invocation import RETRY_BACKOFF
from headrace.esm.streams.retry_book import RetryBook
from headrace.state.state_seam import RetryState

ON_FAILURE = {"OnFailure": {"Destination": DESTINATION_ARN}}


def failing(event: dict[str, Any], context: Any) -> None:
    raise ValueError("poison")


def reporting_c(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Reports record "c" as failed (ReportBatchItemFailures), every time."""
    failed = [r["kinesis"]["sequenceNumber"] for r in event["Records"] if data_of(r) == "c"]
    return {"batchItemFailures": [{"itemIdentifier": seq} for seq in failed]}


async def two_invocations_then_stop(harness: StreamHarness) -> None:
    """Run until the batch was invoked twice (the first retry), then stop gracefully."""
    await harness.run_for(RETRY_BACKOFF.base, step=RETRY_BACKOFF.base)
    assert len(harness.events) == 2


async def test_a_restart_keeps_the_retries_a_failing_batch_used_up(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§4.2.4: MaximumRetryAttempts 3 gives 4 invocations in all, however many runs."""
    fields = {"MaximumRetryAttempts": 3, "DestinationConfig": ON_FAILURE}
    first = make_stream_harness(failing, **fields)
    first.put("x")
    await two_invocations_then_stop(first)
    second = make_stream_harness(
        failing, source=first.source, store=first.store, clock=first.clock, **fields
    )
    await second.drain(step=RETRY_BACKOFF.base)
    assert second.batches() == [["x"], ["x"]]
    (record,) = second.destination.records
    assert record["requestContext"]["approximateInvokeCount"] == 4
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"


async def test_a_resumed_partial_retry_is_exactly_the_stored_batch(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§3.5.6, §4.2.14: the retried tail [c] resumes alone, not merged with later records."""
    fields = {
        "BatchSize": 3,
        "MaximumRetryAttempts": 3,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "DestinationConfig": ON_FAILURE,
    }
    first = make_stream_harness(reporting_c, **fields)
    first.put("a", "b", "c", "d")
    await two_invocations_then_stop(first)
    assert first.batches() == [["a", "b", "c"], ["c"]]
    second = make_stream_harness(
        reporting_c, source=first.source, store=first.store, clock=first.clock, **fields
    )
    await second.drain(step=RETRY_BACKOFF.base)
    assert second.batches() == [["c"], ["c"], ["d"]]
    (record,) = second.destination.records
    assert record["requestContext"]["approximateInvokeCount"] == 4
    assert record["KinesisBatchInfo"]["batchSize"] == 1


async def test_records_aged_out_after_a_restart_count_the_earlier_invocations(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§4.2.5, §4.2.13: records invoked twice, then too old after a restart, report 2 and
    the last invocation's requestId."""
    fields = {"MaximumRecordAgeInSeconds": 60, "DestinationConfig": ON_FAILURE}
    first = make_stream_harness(failing, **fields)
    first.put("x")
    await two_invocations_then_stop(first)
    first.clock.advance(61)
    second = make_stream_harness(
        failing, source=first.source, store=first.store, clock=first.clock, **fields
    )
    await second.drain()
    assert second.events == []
    (record,) = second.destination.records
    assert record["requestContext"]["condition"] == "RecordAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestContext"]["requestId"] == first.runtime.results[-1].request_id


async def test_a_settled_batch_leaves_the_store(make_stream_harness: MakeStreamHarness) -> None:
    """A batch that failed and then succeeded is no longer stored as retrying."""
    flaky = {"fail": True}

    def handler(event: object, context: object) -> None:
        if flaky["fail"]:
            flaky["fail"] = False
            raise ValueError("once")

    harness = make_stream_harness(handler, MaximumRetryAttempts=3)
    harness.put("x")
    await harness.drain(step=RETRY_BACKOFF.base)
    assert len(harness.events) == 2
    assert dict((await harness.store.load(harness.mapping.uuid)).retrying) == {}


def test_stored_batches_at_or_before_the_checkpoint_are_not_resumed() -> None:
    """A batch stored as retrying but settled before the restart (its first record is at or
    before the checkpoint) is ignored; one after the checkpoint waits to be resumed."""
    settled = RetryState("0100", "0100", 2, 2)
    waiting = RetryState("0300", "0305", 3, 2, "req-3")
    book = RetryBook(lambda states: None, [settled, waiting], "0100")
    assert book.resumable
    assert book.states() == (waiting,)
