"""Stopping a stream mapping: forced, and out of a retry back-off (issue 8, §7.3)."""

from __future__ import annotations

import asyncio
from typing import Any

from engine_driving import finished
from stream_harness import STREAM_ARN, MakeStreamHarness, data_of, settle
from tests.cancel_turns import cancel_on_turn

from headrace.clock import FakeClock
from headrace.esm.streams.invocation import RETRY_BACKOFF
from headrace.sources.source_seam import StreamShard
from headrace.testing.memory_stream_source import InMemoryStreamSource

# Loop turns tried between a stop and the forced cancel that follows it.
TURNS = 8


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


class UnlistableSource(InMemoryStreamSource):
    """A stream that cannot be listed yet: a real source retries a missing stream until it
    appears, so the mapping's listing step runs until a stop cancels it."""

    async def list_shards(self) -> list[StreamShard]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_a_forced_cancel_as_a_stop_ends_the_listing_is_not_swallowed(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """A graceful stop cancels the step listing the shards; the mapping's task is then
    cancelled (a forced stop) on each following loop turn: whenever that cancel was
    delivered, the task ends cancelled. It was once taken for the step's own cancel by
    the stop, and the forced stop ran on as a graceful one."""
    for turns in range(TURNS):
        source = UnlistableSource(STREAM_ARN, clock=FakeClock(), shard_count=1)
        mapping = make_stream_harness(ok, source=source).mapping
        running = asyncio.create_task(mapping.run())
        await settle()  # loaded, listing the shards
        mapping.stop()
        await cancel_on_turn(running, turns)
