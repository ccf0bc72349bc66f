"""Concurrency of queue mappings: lanes, caps, no receive without a worker (§5.6-5.9, §4.1.4)."""

from __future__ import annotations

import asyncio
from typing import Any

from engine_driving import settle
from tests.unit.esm.conftest import MakeHarness


class Gate:
    """An async handler that records how many invocations overlap, until released."""

    def __init__(self) -> None:
        self.running = 0
        self.peak = 0
        self.release = asyncio.Event()

    async def __call__(self, event: dict[str, Any], context: Any) -> None:
        self.running += 1
        self.peak = max(self.peak, self.running)
        await self.release.wait()
        self.running -= 1


async def run_until_peak(h: Any, gate: Gate) -> None:
    task = asyncio.create_task(h.engine.run(until_drained=True))
    await settle(100)
    peak = gate.peak
    gate.release.set()
    for _ in range(200):
        await settle()
        if task.done():
            break
        h.clock.advance(1)
    assert task.done()
    gate.peak = peak


async def test_starts_with_five_concurrent_batches(make_harness: MakeHarness) -> None:
    """§5.6: five batches run at once when messages are available."""
    gate = Gate()
    h = make_harness(gate, BatchSize=1, concurrency=50)
    for i in range(20):
        h.queue.send(str(i))
    await run_until_peak(h, gate)
    assert gate.peak == 5


async def test_maximum_concurrency_caps_batches(make_harness: MakeHarness) -> None:
    """§5.8: ScalingConfig.MaximumConcurrency caps concurrent batches."""
    gate = Gate()
    h = make_harness(gate, BatchSize=1, concurrency=50, ScalingConfig={"MaximumConcurrency": 2})
    for i in range(20):
        h.queue.send(str(i))
    await run_until_peak(h, gate)
    assert gate.peak == 2


async def test_reserved_concurrency_caps_batches(make_harness: MakeHarness) -> None:
    """§5.7: never more concurrent batches than the function's reserved concurrency."""
    gate = Gate()
    h = make_harness(gate, BatchSize=1, concurrency=3)
    for i in range(20):
        h.queue.send(str(i))
    await run_until_peak(h, gate)
    assert gate.peak == 3


async def test_fifo_concurrency_is_bounded_by_active_groups(make_harness: MakeHarness) -> None:
    """§5.9: FIFO concurrency is at most the number of active message groups."""
    gate = Gate()
    h = make_harness(gate, fifo=True, BatchSize=1, concurrency=50)
    for i in range(12):
        h.queue.send(str(i), group_id=f"g{i % 2}")
    await run_until_peak(h, gate)
    assert gate.peak == 2


async def test_waiting_for_a_worker_burns_no_receive_counts(make_harness: MakeHarness) -> None:
    """§4.1.4 (done better): while no worker is free, no message is received early."""
    gate = Gate()
    h = make_harness(gate, BatchSize=1, concurrency=1)
    for i in range(4):
        h.queue.send(str(i))
    task = asyncio.create_task(h.engine.run(until_drained=True))
    await settle(50)
    depth = await h.queue.depth()
    assert (depth.visible, depth.in_flight) == (3, 1)
    gate.release.set()
    for _ in range(100):
        await settle()
        if task.done():
            break
        h.clock.advance(1)
    assert task.done()
    counts = [e["Records"][0]["attributes"]["ApproximateReceiveCount"] for e in h.events]
    assert counts == ["1", "1", "1", "1"]


async def test_graceful_stop_finishes_in_flight_batches(make_harness: MakeHarness) -> None:
    """design.md: stopping lets in-flight batches finish and deletes what succeeded."""
    gate = Gate()
    h = make_harness(gate, BatchSize=1)
    h.queue.send("m")
    task = asyncio.create_task(h.engine.run())
    await settle(50)
    assert gate.running == 1
    h.engine.stop()
    await settle()
    assert not task.done()
    gate.release.set()
    await settle()
    assert task.done()
    assert h.queue.bodies == []
