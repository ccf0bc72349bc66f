"""Queue mappings end to end over fakes: batching, outcomes, redrive, filters (§2, §3, §4.1, §6)."""

from __future__ import annotations

import itertools
import json
from typing import Any

from tests.unit.esm.conftest import QUEUE_ARN, MakeHarness


def ok(event: dict[str, Any], context: Any) -> None:
    return None


async def test_success_deletes_the_batch(make_harness: MakeHarness) -> None:
    """§4.1.1: a successful invocation deletes every message of its batch."""
    h = make_harness(ok)
    for i in range(3):
        h.queue.send(f"m{i}")
    result = await h.drain()
    assert result.drained
    assert h.bodies_per_batch() == [["m0", "m1", "m2"]]
    assert h.queue.bodies == []
    assert h.mapping.statistics().deleted == 3


async def test_record_shape_matches_aws(make_harness: MakeHarness) -> None:
    """§3.1: records carry AWS's keys, string attributes and the queue ARN and region."""
    h = make_harness(ok)
    h.queue.send("hello")
    await h.drain()
    record = h.events[0]["Records"][0]
    assert list(record) == [
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    ]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == QUEUE_ARN
    assert record["awsRegion"] == "us-east-1"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert all(isinstance(v, str) for v in record["attributes"].values())


async def test_function_error_retries_after_visibility_timeout(make_harness: MakeHarness) -> None:
    """§4.1.1, §3.1.6: on error nothing is deleted; the batch returns with receive count 2."""
    calls: list[str] = []

    def flaky(event: dict[str, Any], context: Any) -> None:
        calls.append(event["Records"][0]["attributes"]["ApproximateReceiveCount"])
        if len(calls) == 1:
            raise RuntimeError("boom")

    h = make_harness(flaky, visibility_timeout=30)
    h.queue.send("m")
    await h.drain(step=5)
    assert calls == ["1", "2"]
    assert h.queue.bodies == []
    assert h.dlq.bodies == []


async def test_retry_waits_for_the_visibility_timeout(make_harness: MakeHarness) -> None:
    """§4.1.2: the time between retries is the queue's visibility timeout."""
    seen: list[float] = []

    def failing(event: dict[str, Any], context: Any) -> None:
        seen.append(h.clock.time())
        raise ValueError("always")

    h = make_harness(failing, visibility_timeout=30, max_receive_count=3)
    h.queue.send("m")
    await h.drain(step=1)
    gaps = [b - a for a, b in itertools.pairwise(seen)]
    assert len(seen) == 3
    assert all(30 <= gap <= 31 for gap in gaps)


async def test_redrive_after_max_receive_count(make_harness: MakeHarness) -> None:
    """§4.1.2: failed messages go to the queue's DLQ after maxReceiveCount receives."""

    def failing(event: dict[str, Any], context: Any) -> None:
        raise ValueError("poison")

    h = make_harness(failing, max_receive_count=3)
    h.queue.send("poison")
    await h.drain(step=10)
    assert len(h.events) == 3
    assert h.dlq.bodies == ["poison"]
    assert h.queue.bodies == []


async def test_partial_batch_response_deletes_unlisted(make_harness: MakeHarness) -> None:
    """§3.5.5: unlisted messages are deleted; listed ones come back after the timeout."""

    def partial(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failures = [
            {"itemIdentifier": r["messageId"]}
            for r in event["Records"]
            if r["body"] == "bad" and r["attributes"]["ApproximateReceiveCount"] == "1"
        ]
        return {"batchItemFailures": failures}

    h = make_harness(partial, FunctionResponseTypes=["ReportBatchItemFailures"])
    for body in ["a", "bad", "c"]:
        h.queue.send(body)
    await h.drain(step=10)
    assert h.bodies_per_batch() == [["a", "bad", "c"], ["bad"]]
    assert h.events[1]["Records"][0]["attributes"]["ApproximateReceiveCount"] == "2"
    assert h.queue.bodies == []


async def test_partial_response_ignored_without_report_batch_item_failures(
    make_harness: MakeHarness,
) -> None:
    """§3.5.1: without ReportBatchItemFailures a returned list is ignored: all deleted."""

    def partial(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}

    h = make_harness(partial)
    h.queue.send("a")
    h.queue.send("b")
    await h.drain()
    assert len(h.events) == 1
    assert h.queue.bodies == []


async def test_invalid_partial_response_fails_the_whole_batch(make_harness: MakeHarness) -> None:
    """§3.5.4: an itemIdentifier not in the batch fails the whole batch."""
    attempts: list[int] = []

    def wrong(event: dict[str, Any], context: Any) -> dict[str, Any]:
        attempts.append(len(event["Records"]))
        if len(attempts) == 1:
            return {"batchItemFailures": [{"itemIdentifier": "not-in-batch"}]}
        return {}

    h = make_harness(wrong, FunctionResponseTypes=["ReportBatchItemFailures"])
    h.queue.send("a")
    h.queue.send("b")
    await h.drain(step=10)
    assert attempts == [2, 2]


async def test_filtered_messages_are_deleted_and_not_invoked(make_harness: MakeHarness) -> None:
    """§6.6, §6.8: filtered-out SQS messages are deleted and never reach the function."""
    pattern = json.dumps({"body": {"kind": ["order"]}})
    h = make_harness(ok, FilterCriteria={"Filters": [{"Pattern": pattern}]})
    h.queue.send(json.dumps({"kind": "order", "n": 1}))
    h.queue.send(json.dumps({"kind": "spam"}))
    h.queue.send("not json")
    await h.drain()
    assert [json.loads(b[0])["n"] for b in h.bodies_per_batch()] == [1]
    stats = h.mapping.statistics()
    assert (stats.polled, stats.filtered_out, stats.invoked, stats.deleted) == (3, 2, 1, 1)
    assert h.queue.bodies == []


async def test_batch_size_caps_each_batch(make_harness: MakeHarness) -> None:
    """§2.1(b): a batch goes when BatchSize records are gathered."""
    h = make_harness(ok, BatchSize=4)
    for i in range(10):
        h.queue.send(str(i))
    await h.drain()
    sizes = sorted(len(b) for b in h.bodies_per_batch())
    assert sum(sizes) == 10
    assert max(sizes) <= 4


async def test_batching_window_gathers_until_the_window_ends(make_harness: MakeHarness) -> None:
    """§2.1(a), §2.2: with a window, messages sent during it join the same batch."""
    h = make_harness(ok, BatchSize=100, MaximumBatchingWindowInSeconds=5)
    h.queue.send("first")
    task_result = h.drain(step=1)
    import asyncio

    runner = asyncio.ensure_future(task_result)
    from engine_driving import settle

    await settle()
    h.clock.advance(2)
    await settle()
    h.queue.send("second")
    result = await runner
    assert result.drained
    assert h.bodies_per_batch() == [["first", "second"]]


async def test_payload_cap_splits_batches_without_loss(make_harness: MakeHarness) -> None:
    """§2.1(c): a batch goes before it passes 6 MB; the rest follow, nothing is lost."""
    big = "x" * 250_000
    h = make_harness(ok, BatchSize=100, MaximumBatchingWindowInSeconds=1)
    for i in range(60):
        h.queue.send(f"{i:02d}{big}")
    await h.drain()
    batches = h.bodies_per_batch()
    assert len(batches) >= 3
    assert sorted(b[:2] for batch in batches for b in batch) == [f"{i:02d}" for i in range(60)]
    for event in h.events:
        assert len(json.dumps(event)) <= 6 * 1024 * 1024


async def test_disabled_mapping_never_invokes(make_harness: MakeHarness) -> None:
    """§1.4.3: a mapping created with Enabled false is Disabled and does not poll."""
    h = make_harness(ok, Enabled=False)
    h.queue.send("m")
    result = await h.drain()
    assert result.drained
    assert h.events == []
    assert h.queue.bodies == ["m"]
    assert h.mapping.statistics().state == "Disabled"


async def test_enabled_mapping_state(make_harness: MakeHarness) -> None:
    """§1.4.2: an enabled mapping settles in Enabled."""
    h = make_harness(ok)
    h.queue.send("m")
    await h.drain()
    assert h.mapping.statistics().state == "Enabled"
    assert h.mapping.statistics().last_processing_result == "OK"


async def test_a_failing_source_call_does_not_stop_the_mapping(make_harness: MakeHarness) -> None:
    """Nothing lost: a batch whose delete raises comes back after its visibility timeout."""
    h = make_harness(ok, visibility_timeout=5)
    h.queue.faults["delete"] = [RuntimeError("disk I/O error")]
    h.queue.send("m")
    result = await h.drain(step=1)
    assert result.drained
    assert h.bodies_per_batch() == [["m"], ["m"]]
    assert h.queue.bodies == []
    assert h.mapping.statistics().last_processing_result == "OK"


async def test_a_failing_receive_backs_off_and_recovers(make_harness: MakeHarness) -> None:
    """Nothing lost: a receive that raises puts the lane in back-off, then it goes on."""
    h = make_harness(ok)
    h.queue.faults["receive"] = [RuntimeError("database is locked")] * 3
    h.queue.send("m")
    result = await h.drain(step=1)
    assert result.drained
    assert h.bodies_per_batch() == [["m"]]
