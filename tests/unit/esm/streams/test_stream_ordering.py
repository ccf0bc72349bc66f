"""Order and parallelism: one lane per shard, ParallelizationFactor lanes by key (§5.1-5.3)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from stream_harness import MakeStreamHarness, data_of, settle

from headrace.esm.streams.ledger import lane_index


async def test_order_per_key_holds_under_parallelization_factor_10(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§5.2: with PF 10, 1,000 keys across 4 shards each arrive in put order."""
    seen: dict[str, list[int]] = defaultdict(list)

    async def handler(event: dict[str, Any], context: Any) -> None:
        await asyncio.sleep(0)  # let other lanes interleave
        for record in event["Records"]:
            key = record["kinesis"]["partitionKey"]
            seen[key].append(int(data_of(record)))

    harness = make_stream_harness(
        handler, shards=4, concurrency=40, BatchSize=10, ParallelizationFactor=10
    )
    for i in range(5000):
        harness.source.put(str(i), f"key-{i % 1000}")
    result = await harness.drain()
    assert result.drained
    assert len(seen) == 1000
    for key, values in seen.items():
        assert values == sorted(values), key
        assert len(values) == 5


async def test_parallelization_factor_runs_lanes_of_one_shard_at_once(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§5.2: ParallelizationFactor is the number of concurrent batches per shard."""
    running = {"now": 0, "most": 0}
    release = asyncio.Event()

    async def handler(event: dict[str, Any], context: Any) -> None:
        running["now"] += 1
        running["most"] = max(running["most"], running["now"])
        await release.wait()
        running["now"] -= 1

    harness = make_stream_harness(handler, BatchSize=1, ParallelizationFactor=4)
    for i in range(40):
        harness.source.put(str(i), f"key-{i}")
    run = asyncio.create_task(harness.engine.run(until_drained=True))
    await settle(60)
    assert running["most"] == 4
    release.set()
    for _ in range(100):
        await settle()
        if run.done():
            break
    assert run.result().drained


async def test_one_lane_per_shard_by_default(make_stream_harness: MakeStreamHarness) -> None:
    """§5.1: one concurrent batch per shard when ParallelizationFactor is 1."""
    running = {"now": 0, "most": 0}

    async def handler(event: dict[str, Any], context: Any) -> None:
        running["now"] += 1
        running["most"] = max(running["most"], running["now"])
        await asyncio.sleep(0)
        running["now"] -= 1

    harness = make_stream_harness(handler, shards=2, BatchSize=1)
    for i in range(20):
        harness.source.put(str(i), f"key-{i}")
    await harness.drain()
    assert running["most"] == 2


async def test_a_failing_lane_blocks_only_its_own_keys(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§5.3 choice: a poison record blocks its key's lane; other keys go on."""

    def handler(event: dict[str, Any], context: Any) -> None:
        if any(data_of(r) == "poison" for r in event["Records"]):
            raise ValueError("poison")

    harness = make_stream_harness(handler, BatchSize=1, ParallelizationFactor=10)
    harness.source.put("poison", "bad-key")
    others = [f"key-{i}" for i in range(50)]
    for key in others:
        harness.source.put(f"v-{key}", key)
    await harness.run_for(20)
    delivered = set(harness.delivered())
    blocked_lane = lane_index("bad-key", 10)
    free = {f"v-{k}" for k in others if lane_index(k, 10) != blocked_lane}
    assert free <= delivered
    assert "poison" not in delivered
    assert (await harness.store.load(harness.mapping.uuid)).positions == {}


async def test_checkpoint_waits_for_the_slowest_lane(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§7.3 with PF > 1: the checkpoint is the last record before which all are settled."""
    gate = asyncio.Event()

    async def handler(event: dict[str, Any], context: Any) -> None:
        if any(data_of(r) == "slow" for r in event["Records"]):
            await gate.wait()

    harness = make_stream_harness(handler, BatchSize=1, ParallelizationFactor=10)
    harness.source.put("first", "a")
    harness.source.put("slow", "slow-key")
    for i in range(20):
        harness.source.put(f"later-{i}", f"other-{i}")
    run = asyncio.create_task(harness.engine.run(until_drained=True))
    await settle(100)
    records = harness.source.records("shardId-000000000000")
    assert harness.mapping.statistics().shards[0].checkpoint == records[0].sequence_number
    gate.set()
    for _ in range(100):
        await settle()
        if run.done():
            break
    assert run.result().drained
    assert harness.mapping.statistics().shards[0].checkpoint == records[-1].sequence_number
