"""A stream mapping over an in-memory stream: batches, order, records and drain (§2, §3.2, §5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stream_harness import STREAM_ARN, MakeStreamHarness, data_of

RECORDINGS = Path("/work/shared/reference/aws-recordings")


def ok(event: dict[str, Any], context: Any) -> None:
    return None


async def test_records_are_delivered_in_order_in_batches_of_batch_size(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§2.4, §5.1: records of a shard arrive in order, BatchSize at a time."""
    harness = make_stream_harness(ok, BatchSize=3)
    harness.put(*[f"r{i}" for i in range(7)])
    result = await harness.drain()
    assert result.drained
    assert harness.batches() == [["r0", "r1", "r2"], ["r3", "r4", "r5"], ["r6"]]


async def test_event_records_have_the_kinesis_shape(make_stream_harness: MakeStreamHarness) -> None:
    """§3.2: every record has exactly the keys AWS sends, in AWS's order."""
    harness = make_stream_harness(ok)
    harness.put("hello", key="user-1")
    await harness.drain()
    (record,) = harness.events[0]["Records"]
    recorded = _recorded_kinesis_record()
    assert list(record) == list(recorded)
    assert list(record["kinesis"]) == list(recorded["kinesis"])
    assert record["eventID"] == f"shardId-000000000000:{record['kinesis']['sequenceNumber']}"
    assert record["eventSourceARN"] == STREAM_ARN
    assert record["kinesis"]["partitionKey"] == "user-1"
    assert data_of(record) == "hello"


def _recorded_kinesis_record() -> dict[str, Any]:
    snapshot = json.loads(
        (RECORDINGS / "test_lambda_integration_kinesis.snapshot.json").read_text()
    )
    key = next(k for k in snapshot if k.endswith("test_kinesis_event_source_trim_horizon"))
    record: dict[str, Any] = snapshot[key]["recorded-content"]["invocation_events"][0]["event"][
        "Records"
    ][0]
    return record


async def test_an_empty_stream_is_drained_without_invocations(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§2.8: stream batches are never empty; nothing read means nothing invoked."""
    harness = make_stream_harness(ok)
    result = await harness.drain()
    assert result.drained
    assert harness.events == []


async def test_each_batch_holds_records_of_one_shard(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§2.7: a batch contains records from exactly one shard."""
    harness = make_stream_harness(ok, shards=4, BatchSize=100)
    for i in range(200):
        harness.source.put(f"r{i}", f"key-{i}")
    await harness.drain()
    for event in harness.events:
        shards = {r["eventID"].split(":")[0] for r in event["Records"]}
        assert len(shards) == 1
    assert sorted(harness.delivered()) == sorted(f"r{i}" for i in range(200))


async def test_statistics_count_polled_invoked_and_ok(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§8.4, §1.3.5: PolledEventCount, InvokedEventCount and LastProcessingResult OK."""
    harness = make_stream_harness(ok, BatchSize=2)
    assert harness.mapping.statistics().last_processing_result == "No records processed"
    harness.put("a", "b", "c")
    await harness.drain()
    stats = harness.mapping.statistics()
    assert (stats.polled, stats.invoked, stats.invocations) == (3, 3, 2)
    assert stats.last_processing_result == "OK"
    assert stats.state == "Enabled"
    assert stats.state_transition_reason == "User action"
