"""Stream conformance: resharding lineage (§5.5) and wake-ups."""

from __future__ import annotations

import asyncio

from headrace.broker.streams.stream_seam import StreamStorage
from headrace.clock import FakeClock
from headrace.testing.conformance.stream_conformance_base import (
    StreamStorageContract,
    first_shard,
    read_all,
    stream_arn,
)


class TestResharding(StreamStorageContract):
    """UpdateShardCount: parents close, children name them, nothing is lost."""

    async def test_split_closes_the_parent_and_children_name_it(
        self, storage: StreamStorage
    ) -> None:
        """§5.5: after a split the parent is closed, its children name it as ParentShardId,
        and their records sort after the parent's."""
        parent = await first_shard(storage, "clicks")
        before = await storage.put_record("clicks", b"before", "k")
        result = await storage.update_shard_count("clicks", 2)
        assert (result.current_shard_count, result.target_shard_count) == (1, 2)
        shards = await storage.list_shards("clicks")
        closed = [s for s in shards if s.closed]
        children = [s for s in shards if not s.closed]
        assert [s.shard_id for s in closed] == [parent]
        assert len(children) == 2
        assert all(s.parent_shard_id == parent for s in children)
        after = await storage.put_record("clicks", b"after", "k")
        assert after.shard_id != parent
        assert after.sequence_number > before.sequence_number
        assert await read_all(storage, "clicks", parent) == [b"before"]

    async def test_reading_a_closed_shard_to_its_end_names_the_children(
        self, storage: StreamStorage
    ) -> None:
        """A closed shard read to its end has no next iterator and names its children."""
        parent = await first_shard(storage, "clicks")
        await storage.put_record("clicks", b"x", "k")
        await storage.update_shard_count("clicks", 2)
        iterator = await storage.get_shard_iterator("clicks", parent, "TRIM_HORIZON")
        result = await storage.get_records(iterator, 10)
        assert [r.data for r in result.records] == [b"x"]
        assert result.next_shard_iterator is None
        assert len(result.child_shards) == 2

    async def test_merge_back_to_one_shard(self, storage: StreamStorage) -> None:
        """Merging two shards gives one open shard with both as parents."""
        await storage.update_shard_count("pairs", 1)
        (merged,) = [s for s in await storage.list_shards("pairs") if not s.closed]
        assert merged.parent_shard_id is not None
        assert merged.adjacent_parent_shard_id is not None
        summary = await storage.describe_stream_summary("pairs")
        assert (summary.open_shard_count, summary.shard_count) == (1, 3)


class TestWaiting(StreamStorageContract):
    """A put wakes readers waiting on the stream; a wait times out on the clock."""

    async def test_a_put_wakes_a_waiting_reader(self, storage: StreamStorage) -> None:
        """A reader that read the change version before looking is woken by a put."""
        arn = stream_arn("clicks")
        version = storage.change_version(arn)
        waiter = asyncio.ensure_future(storage.wait_for_change(arn, version, 60))
        await asyncio.sleep(0)
        assert not waiter.done()
        await storage.put_record("clicks", b"x", "k")
        assert await asyncio.wait_for(waiter, 5) is True

    async def test_wait_times_out_on_the_clock(
        self, storage: StreamStorage, clock: FakeClock
    ) -> None:
        """With no put, the wait answers False once the clock passes its timeout."""
        arn = stream_arn("clicks")
        waiter = asyncio.ensure_future(storage.wait_for_change(arn, storage.change_version(arn), 5))
        for _ in range(10):  # let the waiter start sleeping on the clock
            await asyncio.sleep(0)
        assert not waiter.done()
        clock.advance(5)
        assert await asyncio.wait_for(waiter, 5) is False
