"""Filtering large bodies runs off the event loop, so other tasks keep running (§6.6)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from typing import Any

from headrace.clock import FakeClock
from headrace.esm.filters.off_loop import OFF_LOOP_BYTES, filter_off_loop
from headrace.esm.queues.queue_batch import BatchRules, gather_batch
from headrace.esm.queues.queue_reader import read_queue
from headrace.sources.kinds.sqs_family import SqsRecordShape
from headrace.testing.memory_queue_source import InMemoryQueueSource

QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:orders"
# How long a filter waits for the loop to run a callback before deciding it cannot.
LOOP_WAIT_SECONDS = 5.0


def loop_watching_filter(loop: asyncio.AbstractEventLoop) -> tuple[Any, threading.Event]:
    """A filter that keeps a record only if the event loop runs a callback meanwhile.

    It asks the loop to set an event and waits for it: that can only happen when the
    filter runs on another thread (on the loop's own thread, the wait times out).
    """
    loop_ran = threading.Event()

    def matches(record: Mapping[str, Any]) -> bool:
        loop.call_soon_threadsafe(loop_ran.set)
        return loop_ran.wait(LOOP_WAIT_SECONDS)

    return matches, loop_ran


async def test_large_bodies_are_filtered_while_the_loop_runs_other_tasks() -> None:
    """§6.6: a 256 KB body is filtered on a worker thread; the event loop stays free."""
    clock = FakeClock()
    queue = InMemoryQueueSource(QUEUE_ARN, clock=clock)
    queue.send("x" * 256 * 1024)
    rules = BatchRules.for_mapping(
        batch_size=10,
        window_seconds=0,
        function_timeout=3,
        queue_visibility_timeout=30,
        source_arn=QUEUE_ARN,
        shape=SqsRecordShape(QUEUE_ARN, "us-east-1"),
    )
    matches, loop_ran = loop_watching_filter(asyncio.get_running_loop())
    batch = await gather_batch(read_queue(queue, clock), rules, clock, matches=matches, carried=[])
    assert loop_ran.is_set()
    assert len(batch.messages) == 1
    assert not batch.filtered


async def test_small_payloads_are_filtered_in_place() -> None:
    """Up to OFF_LOOP_BYTES, filtering runs on the loop's thread (no thread hop)."""
    thread = await filter_off_loop(threading.current_thread, OFF_LOOP_BYTES)
    assert thread is threading.current_thread()


async def test_large_payloads_are_filtered_on_a_worker_thread() -> None:
    """Past OFF_LOOP_BYTES, the work runs elsewhere and its result comes back."""
    matches, loop_ran = loop_watching_filter(asyncio.get_running_loop())
    assert await filter_off_loop(lambda: matches({}), OFF_LOOP_BYTES + 1)
    assert loop_ran.is_set()
