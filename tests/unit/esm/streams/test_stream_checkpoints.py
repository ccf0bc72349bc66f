"""Checkpoints, starting positions, resharding and several mappings on one stream
(§5.4-5.5, §7.1-7.4)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from stream_harness import MakeStreamHarness, data_of, settle

from headrace.clock import FakeClock
from headrace.errors import BrokerError
from headrace.esm.streams import checkpointing
from headrace.esm.streams.checkpointing import CheckpointWriter
from headrace.state.memory_state import memory_checkpoints
from headrace.state.state_seam import SHARD_END

SHARD_0 = "shardId-000000000000"


def ok(event: dict[str, Any], context: Any) -> None:
    return None


async def test_a_restart_resumes_after_the_last_settled_batch(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§7.3: the checkpoint is the last record of the last successful batch."""
    first = make_stream_harness(ok, BatchSize=2)
    first.put("a", "b", "c")
    await first.drain()
    first.put("d")
    second = make_stream_harness(ok, source=first.source, store=first.store, BatchSize=2)
    await second.drain()
    assert second.batches() == [["d"]]


async def test_a_stop_while_blocked_resends_from_the_checkpoint(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§7.3, §8.5: nothing after the checkpoint is skipped by a restart (at-least-once)."""

    def failing(event: dict[str, Any], context: Any) -> None:
        if any(data_of(r) == "c" for r in event["Records"]):
            raise ValueError("not yet")

    first = make_stream_harness(failing, BatchSize=2)
    first.put("a", "b", "c", "d")
    await first.run_for(10)
    second = make_stream_harness(ok, source=first.source, store=first.store, BatchSize=2)
    await second.drain()
    assert second.batches() == [["c", "d"]]


async def test_latest_starts_after_the_records_already_there(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§7.1: LATEST reads only records added after the mapping starts."""
    harness = make_stream_harness(ok, StartingPosition="LATEST")
    harness.put("before")
    run = asyncio.create_task(harness.engine.run())
    await settle()
    harness.put("after")
    await settle()
    harness.engine.stop()
    await run
    assert harness.delivered() == ["after"]


async def test_a_latest_start_is_stored_so_a_restart_skips_nothing(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§7.4 choice: LATEST is resolved once; records put while stopped are read later."""
    first = make_stream_harness(ok, StartingPosition="LATEST")
    first.put("before")
    await first.drain()
    first.put("while stopped")
    second = make_stream_harness(
        ok, source=first.source, store=first.store, StartingPosition="LATEST"
    )
    await second.drain()
    assert second.delivered() == ["while stopped"]


async def test_at_timestamp_starts_at_the_first_record_at_or_after_it(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§7.1: AT_TIMESTAMP reads from StartingPositionTimestamp."""
    probe = make_stream_harness(ok)
    probe.put("old")
    probe.clock.advance(10)
    moment = probe.clock.time()
    probe.put("new")
    harness = make_stream_harness(
        ok,
        source=probe.source,
        StartingPosition="AT_TIMESTAMP",
        StartingPositionTimestamp=moment,
    )
    await harness.drain()
    assert harness.delivered() == ["new"]


async def test_two_mappings_on_one_stream_keep_their_own_checkpoints(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§5.4: each mapping on a stream is an independent consumer."""
    first = make_stream_harness(ok, function_name="first")
    first.put("a", "b")
    await first.drain()
    second = make_stream_harness(ok, source=first.source, store=first.store, function_name="second")
    await second.drain()
    assert second.delivered() == ["a", "b"]
    assert first.mapping.uuid != second.mapping.uuid
    assert (await first.store.load(first.mapping.uuid)) == (
        await first.store.load(second.mapping.uuid)
    )


async def test_a_disabled_mapping_reads_nothing_and_resumes_when_enabled(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§1.4.3, §7.4: Enabled false reads nothing; enabled again resumes at the checkpoint."""
    first = make_stream_harness(ok)
    first.put("a")
    await first.drain()
    first.put("b")
    disabled = make_stream_harness(ok, source=first.source, store=first.store, Enabled=False)
    await disabled.drain()
    assert disabled.events == []
    assert disabled.mapping.statistics().state == "Disabled"
    enabled = make_stream_harness(ok, source=first.source, store=first.store)
    await enabled.drain()
    assert enabled.delivered() == ["b"]


async def test_filtered_out_records_move_the_checkpoint(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§6.6, §2.8: filtered records are never invoked; the iterator moves past them."""
    pattern = '{"data": {"kind": ["keep"]}}'
    harness = make_stream_harness(ok, FilterCriteria={"Filters": [{"Pattern": pattern}]})
    harness.put('{"kind": "keep", "n": 1}', '{"kind": "drop"}', "not json")
    await harness.drain()
    assert harness.delivered() == ['{"kind": "keep", "n": 1}']
    assert harness.mapping.statistics().filtered_out == 2
    last = harness.source.records(SHARD_0)[-1].sequence_number
    assert (await harness.store.load(harness.mapping.uuid)).positions == {SHARD_0: last}


async def test_a_child_shard_is_read_only_after_its_parent_is_finished(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§5.5 choice: parent before child keeps each key's order across a reshard."""
    order: list[tuple[str, str]] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        for record in event["Records"]:
            order.append((record["eventID"].split(":")[0], data_of(record)))

    harness = make_stream_harness(handler, BatchSize=5)
    for i in range(20):
        harness.source.put(f"before-{i}", f"key-{i % 4}")
    children = harness.source.split(SHARD_0)
    for i in range(20):
        harness.source.put(f"after-{i}", f"key-{i % 4}")
    await harness.drain()
    shards = [shard for shard, _ in order]
    assert shards[:20] == [SHARD_0] * 20
    assert set(shards[20:]) <= set(children)
    assert (await harness.store.load(harness.mapping.uuid)).positions[SHARD_0] == SHARD_END


async def test_order_per_key_holds_across_a_split_and_a_merge(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§5.5: after splits and merges every key's records still arrive in put order."""
    seen: dict[str, list[int]] = defaultdict(list)

    def handler(event: dict[str, Any], context: Any) -> None:
        for record in event["Records"]:
            seen[record["kinesis"]["partitionKey"]].append(int(data_of(record)))

    harness = make_stream_harness(handler, shards=2, BatchSize=7, ParallelizationFactor=3)
    counter = iter(range(10_000))

    def put_some() -> None:
        for _ in range(60):
            n = next(counter)
            harness.source.put(str(n), f"key-{n % 13}")

    put_some()
    _, right = harness.source.split("shardId-000000000000")
    put_some()
    harness.source.merge(right, "shardId-000000000001")
    put_some()
    await harness.drain()
    assert sum(len(v) for v in seen.values()) == 180
    for key, values in seen.items():
        assert values == sorted(values), key


async def test_shards_made_while_running_are_found_and_read(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§5.5: a reshard while the mapping runs starts the new shards after the old one ends."""
    harness = make_stream_harness(ok, StartingPosition="LATEST")
    run = asyncio.create_task(harness.engine.run())
    await settle()
    harness.put("one")
    await settle()
    harness.source.split(SHARD_0)
    harness.put("two")
    await settle()
    harness.engine.stop()
    await run
    assert harness.delivered() == ["one", "two"]
    assert len(harness.mapping.statistics().shards) == 3


async def test_a_failed_checkpoint_write_waits_on_the_mapping_clock() -> None:
    """§7.3: a write that failed is tried again after RETRY_WRITE_SECONDS of the injected
    clock (the one retry policy), not of wall time."""
    inner = memory_checkpoints()
    failures = [BrokerError("database is locked")]

    class Flaky:
        """The in-memory store, failing its first save as a locked file would."""

        async def load(self, mapping_uuid: str) -> Any:
            return await inner.load(mapping_uuid)

        async def save(self, *args: Any, **kwargs: Any) -> None:
            if failures:
                raise failures.pop()
            await inner.save(*args, **kwargs)

        async def aclose(self) -> None:
            return None

    store: Any = Flaky()
    clock = FakeClock()
    writer = CheckpointWriter(store, "uuid-1", clock=clock)
    task = asyncio.create_task(writer.run())
    writer.update("shard", "9")
    await settle()
    assert clock.sleepers == 1, "the writer waits on the fake clock"
    assert not (await store.load("uuid-1")).positions
    clock.advance(checkpointing.RETRY_WRITE_SECONDS)
    await settle()
    assert dict((await store.load("uuid-1")).positions) == {"shard": "9"}
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
