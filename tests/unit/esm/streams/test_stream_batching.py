"""Stream batches: the batching window and the 6 MB payload cap (§2.1-2.2, §2.9-2.10)."""

from __future__ import annotations

import asyncio
from typing import Any

from stream_harness import MakeStreamHarness, settle

from headrace.esm.queues.queue_batch import MAX_PAYLOAD_BYTES
from headrace.events import encode_event


def ok(event: dict[str, Any], context: Any) -> None:
    return None


async def test_without_a_window_one_record_goes_at_once(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§2.9: with window 0 a single available record is sent as a one-record batch."""
    harness = make_stream_harness(ok, BatchSize=100)
    run = asyncio.create_task(harness.engine.run())
    harness.put("a")
    await settle()
    assert harness.batches() == [["a"]]
    harness.engine.stop()
    await run


async def test_the_batching_window_gathers_records_until_it_ends(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§2.1-2.2: with a window, records gather until the window ends."""
    harness = make_stream_harness(ok, BatchSize=100, MaximumBatchingWindowInSeconds=5)
    run = asyncio.create_task(harness.engine.run())
    harness.put("a")
    await settle()
    harness.clock.advance(2)
    harness.put("b")
    await settle()
    assert harness.events == []
    harness.clock.advance(3)
    await settle()
    assert harness.batches() == [["a", "b"]]
    harness.engine.stop()
    await run


async def test_a_full_batch_goes_before_the_window_ends(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§2.1: BatchSize records make the batch go, window or not."""
    harness = make_stream_harness(ok, BatchSize=3, MaximumBatchingWindowInSeconds=300)
    run = asyncio.create_task(harness.engine.run())
    harness.put("a", "b", "c", "d")
    await settle()
    assert harness.batches() == [["a", "b", "c"]]
    harness.engine.stop()
    await run


async def test_a_batch_stays_under_the_6_mb_payload_cap(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§2.1: the payload never passes 6 MB; BatchSize may not be reached."""
    payloads: list[int] = []

    def measuring(event: dict[str, Any], context: Any) -> None:
        payloads.append(len(encode_event(event["Records"])))

    harness = make_stream_harness(measuring, BatchSize=100)
    big = "x" * 900_000  # base64 makes each record about 1.2 MB in the event
    harness.put(*[big] * 12)
    await harness.drain()
    assert sum(len(e["Records"]) for e in harness.events) == 12
    assert len(harness.events) > 1
    assert max(payloads) <= MAX_PAYLOAD_BYTES
