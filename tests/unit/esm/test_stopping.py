"""Stopping a queue mapping: graceful, forced, and out of an error back-off (issue 8)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from engine_driving import finished, settle
from tests.unit.esm.conftest import MakeHarness

from headrace.errors import BrokerError
from headrace.esm.queues.queue_poller import FAULT_BACKOFF
from headrace.statistics import QueueDepth


async def test_forced_stop_hands_the_in_flight_batch_back_at_once(
    make_harness: MakeHarness,
) -> None:
    """Issue 8: a graceful stop waits for the batch; a forced one cancels the invocation
    and makes its message visible again at once, without deleting it."""
    release = asyncio.Event()

    async def handler(event: dict[str, Any], context: Any) -> None:
        await release.wait()

    harness = make_harness(handler, visibility_timeout=300)
    harness.queue.send("held")
    task = asyncio.create_task(harness.engine.run())
    await settle()
    assert len(harness.events) == 1
    harness.engine.stop()
    await settle()
    assert not task.done(), "a graceful stop waits for the in-flight batch"
    harness.engine.stop(force=True)
    result = await finished(task)
    assert result.forced
    assert await harness.queue.depth() == QueueDepth(visible=1, in_flight=0, delayed=0)
    assert harness.mapping.statistics().deleted == 0


async def test_stop_ends_a_lane_error_back_off_at_once(
    make_harness: MakeHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 8: lanes backing off after source errors (4 s and more) stop without waiting."""
    harness = make_harness(lambda event, context: None)
    harness.queue.send("m")
    harness.queue.faults["receive"] = [BrokerError("disk I/O error") for _ in range(50)]
    task = asyncio.create_task(harness.engine.run())
    first = FAULT_BACKOFF.base
    while not any("retrying in 4 s" in r.getMessage() for r in caplog.records):
        await settle()
        harness.clock.advance(first)
    await settle()
    assert harness.clock.sleepers, "the lanes sleep in their back-off"
    assert harness.mapping.statistics().last_processing_result.startswith("PROBLEM:")
    harness.engine.stop()
    await finished(task)


async def test_forced_stop_in_a_batching_window_hands_the_gathered_messages_back(
    make_harness: MakeHarness,
) -> None:
    """Issue 8, §2.2: messages gathered in an open batching window go back at once."""
    harness = make_harness(
        lambda event, context: None, BatchSize=10, MaximumBatchingWindowInSeconds=60
    )
    harness.queue.send("early")
    task = asyncio.create_task(harness.engine.run())
    await settle()
    assert await harness.queue.depth() == QueueDepth(visible=0, in_flight=1, delayed=0)
    harness.engine.stop(force=True)
    await finished(task)
    assert harness.events == []
    assert await harness.queue.depth() == QueueDepth(visible=1, in_flight=0, delayed=0)
