"""Stopping a stream mapping: forced, and out of a retry back-off (issue 8, §7.3)."""

from __future__ import annotations

import asyncio
from typing import Any

from engine_driving import finished
from stream_harness import MakeStreamHarness, data_of, settle

from headrace.esm.streams.invocation import RETRY_BACKOFF


def ok(event: dict[str, Any], context: Any) -> None:
    return None


async def test_forced_stop_does_not_checkpoint_the_in_flight_batch(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """Issue 8, §7.3: a forced stop cancels the invocation; its records stay after the
    checkpoint, so the next run sends them again."""
    release = asyncio.Event()

    async def held(event: dict[str, Any], context: Any) -> None:
        if any(data_of(r) == "c" for r in event["Records"]):
            await release.wait()

    first = make_stream_harness(held, BatchSize=2)
    first.put("a", "b", "c", "d")
    task = asyncio.create_task(first.engine.run())
    await settle()
    assert first.batches() == [["a", "b"], ["c", "d"]]
    first.engine.stop()
    await settle()
    assert not task.done(), "a graceful stop waits for the in-flight batch"
    first.engine.stop(force=True)
    assert (await finished(task)).forced
    second = make_stream_harness(ok, source=first.source, store=first.store, BatchSize=2)
    await second.drain()
    assert second.batches() == [["c", "d"]]


async def test_stop_ends_a_retry_back_off_at_once(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """Issue 8, §4.2.3: a lane waiting to retry a failed batch (5 s here) stops at once."""

    def failing(event: dict[str, Any], context: Any) -> None:
        raise ValueError("poison")

    harness = make_stream_harness(failing, BatchSize=1, MaximumRetryAttempts=-1)
    harness.put("x")
    task = asyncio.create_task(harness.engine.run())
    while len(harness.events) < 8:  # the back-off has grown to its cap
        await settle()
        harness.clock.advance(RETRY_BACKOFF.cap)
    await settle()
    assert harness.mapping.statistics().shards[0].state == "Retrying"
    harness.engine.stop()
    await finished(task)
