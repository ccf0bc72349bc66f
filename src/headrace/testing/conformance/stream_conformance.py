"""The :class:`~headrace.broker.streams.stream_seam.StreamStorage` contract as test classes.

A backend passes by running these classes with a ``stream_storage_factory`` fixture that
opens it (see :class:`StreamStorageFactory`), as
``tests/unit/broker/streams/test_stream_storage_conformance.py`` does for SQLite. Time is a
:class:`~headrace.clock.FakeClock`. § numbers name the statements of the reference
(lambda-esm.md) a test checks: §5.1 (order within a shard), §5.5 (resharding lineage), §7.1
(starting positions), §7.7 (retention).
"""

from __future__ import annotations

import pytest

from headrace.broker.streams.stream_results import PutRecordsEntry
from headrace.broker.streams.stream_seam import StreamStorage
from headrace.clock import FakeClock
from headrace.config.resources import StreamConfig
from headrace.errors import InvalidArgumentException, ResourceNotFoundException
from headrace.testing.conformance.stream_conformance_base import (
    ACCOUNT,
    LAST_HASH_KEY,
    REGION,
    StreamStorageContract,
    StreamStorageFactory,
    conformance_streams,
    first_shard,
    read_all,
    stream_arn,
)
from headrace.testing.conformance.stream_conformance_shards import TestResharding, TestWaiting

__all__ = [
    "ACCOUNT",
    "REGION",
    "StreamStorageContract",
    "StreamStorageFactory",
    "TestIterators",
    "TestPutAndRead",
    "TestResharding",
    "TestStreamCatalog",
    "TestWaiting",
    "conformance_streams",
    "stream_arn",
]


class TestStreamCatalog(StreamStorageContract):
    """Declared and created streams, their ARNs, summaries and shards."""

    async def test_declared_streams_are_listed_with_their_shards(
        self, storage: StreamStorage
    ) -> None:
        """Every declared stream is listed; its shards split the hash space evenly."""
        assert sorted(await storage.list_streams()) == sorted(conformance_streams())
        assert storage.stream_arn("pairs") == stream_arn("pairs")
        summary = await storage.describe_stream_summary(stream_arn("pairs"))
        assert (summary.stream_name, summary.open_shard_count) == ("pairs", 2)
        first, second = await storage.list_shards("pairs")
        assert first.starting_hash_key == "0"
        assert second.ending_hash_key == LAST_HASH_KEY
        assert int(first.ending_hash_key) + 1 == int(second.starting_hash_key)

    async def test_unknown_stream_is_resource_not_found(self, storage: StreamStorage) -> None:
        """A stream that is not declared: ResourceNotFoundException with Kinesis's text."""
        with pytest.raises(ResourceNotFoundException, match="Stream nope under account"):
            await storage.put_record("nope", b"x", "k")

    async def test_create_stream_at_run_time(self, storage: StreamStorage) -> None:
        """CreateStream makes a stream with the asked shard count, ready for puts."""
        summary = await storage.create_stream("extra", StreamConfig(name="extra", shard_count=3))
        assert summary.open_shard_count == 3
        assert "extra" in await storage.list_streams()
        put = await storage.put_record("extra", b"x", "k")
        assert put.shard_id in [s.shard_id for s in await storage.list_shards("extra")]

    async def test_deleted_stream_is_gone_with_its_iterators(
        self, storage: StreamStorage, clock: FakeClock
    ) -> None:
        """DeleteStream: the stream is no longer listed or found, and an iterator taken
        before the delete fails even once a stream of the same name is created again."""
        await storage.create_stream("gone", StreamConfig(name="gone", shard_count=1))
        put = await storage.put_record("gone", b"x", "k")
        iterator = await storage.get_shard_iterator("gone", put.shard_id, "TRIM_HORIZON")
        await storage.delete_stream(stream_arn("gone"))
        assert "gone" not in await storage.list_streams()
        with pytest.raises(ResourceNotFoundException, match="Stream gone under account"):
            await storage.put_record("gone", b"x", "k")
        with pytest.raises(ResourceNotFoundException):
            await storage.delete_stream("gone")
        clock.advance(1)
        await storage.create_stream("gone", StreamConfig(name="gone", shard_count=1))
        with pytest.raises((InvalidArgumentException, ResourceNotFoundException)):
            await storage.get_records(iterator, 10)


class TestPutAndRead(StreamStorageContract):
    """Puts, sequence numbers, routing by hash key, reads in order, retention."""

    async def test_records_of_a_shard_read_back_in_put_order(self, storage: StreamStorage) -> None:
        """§5.1: records within a shard come back in order, sequence numbers increasing."""
        puts = [await storage.put_record("clicks", f"r{i}".encode(), "k") for i in range(3)]
        numbers = [p.sequence_number for p in puts]
        assert numbers == sorted(numbers)
        assert len(set(numbers)) == 3
        assert await read_all(storage, "clicks", puts[0].shard_id) == [b"r0", b"r1", b"r2"]

    async def test_explicit_hash_key_routes_to_the_shard_holding_it(
        self, storage: StreamStorage
    ) -> None:
        """A record goes to the shard whose hash key range holds its (explicit) hash key."""
        first, second = await storage.list_shards("pairs")
        low = await storage.put_record("pairs", b"low", "k", explicit_hash_key="0")
        high = await storage.put_record("pairs", b"high", "k", explicit_hash_key=LAST_HASH_KEY)
        assert (low.shard_id, high.shard_id) == (first.shard_id, second.shard_id)

    async def test_put_records_answers_each_entry(self, storage: StreamStorage) -> None:
        """PutRecords: one result per entry, in order, each with its shard and number."""
        result = await storage.put_records(
            "pairs",
            [
                PutRecordsEntry(data=b"a", partition_key="a", explicit_hash_key="0"),
                PutRecordsEntry(data=b"b", partition_key="b", explicit_hash_key=LAST_HASH_KEY),
            ],
        )
        shards = [s.shard_id for s in await storage.list_shards("pairs")]
        assert [e.shard_id for e in result.records] == shards
        assert all(e.sequence_number for e in result.records)

    async def test_read_shard_reports_the_tip_only_when_nothing_is_left(
        self, storage: StreamStorage
    ) -> None:
        """A read cut short by its limit is not at the tip; the read that empties it is."""
        for _ in range(3):
            await storage.put_record("clicks", b"x", "k")
        shard = await first_shard(storage, "clicks")
        iterator = await storage.get_shard_iterator("clicks", shard, "TRIM_HORIZON")
        first = await storage.read_shard("clicks", iterator, 2)
        assert (len(first.records), first.at_tip) == (2, False)
        assert first.next_shard_iterator is not None
        second = await storage.read_shard("clicks", first.next_shard_iterator, 2)
        assert (len(second.records), second.at_tip) == (1, True)

    async def test_records_past_retention_are_not_returned(
        self, storage: StreamStorage, clock: FakeClock
    ) -> None:
        """§7.7: records older than the retention period (24 h) are gone, read or not."""
        await storage.put_record("clicks", b"old", "k")
        clock.advance(23 * 3600)
        await storage.put_record("clicks", b"new", "k")
        clock.advance(3600)
        shard = await first_shard(storage, "clicks")
        assert await read_all(storage, "clicks", shard) == [b"new"]
        assert await storage.trim() == 1

    async def test_tip_and_records_after(self, storage: StreamStorage) -> None:
        """The tip is the newest record; records after a sequence number are seen."""
        shard = await first_shard(storage, "clicks")
        assert (await storage.shard_tip("clicks", shard)).latest_sequence_number is None
        assert not await storage.has_records_after("clicks", shard, None)
        put = await storage.put_record("clicks", b"x", "k")
        assert (await storage.shard_tip("clicks", shard)).latest_sequence_number == (
            put.sequence_number
        )
        assert await storage.has_records_after("clicks", shard, None)
        assert not await storage.has_records_after("clicks", shard, put.sequence_number)


class TestIterators(StreamStorageContract):
    """§7.1: where a shard iterator starts."""

    async def test_latest_reads_only_later_records(self, storage: StreamStorage) -> None:
        """§7.1: LATEST = only records added after the iterator was made."""
        await storage.put_record("clicks", b"before", "k")
        shard = await first_shard(storage, "clicks")
        iterator = await storage.get_shard_iterator("clicks", shard, "LATEST")
        await storage.put_record("clicks", b"after", "k")
        assert [r.data for r in (await storage.get_records(iterator, 10)).records] == [b"after"]

    async def test_at_and_after_sequence_number(self, storage: StreamStorage) -> None:
        """AT_SEQUENCE_NUMBER starts at the record, AFTER_SEQUENCE_NUMBER just past it."""
        puts = [await storage.put_record("clicks", f"r{i}".encode(), "k") for i in range(3)]
        shard, number = puts[1].shard_id, puts[1].sequence_number
        at = await storage.get_shard_iterator(
            "clicks", shard, "AT_SEQUENCE_NUMBER", starting_sequence_number=number
        )
        after = await storage.get_shard_iterator(
            "clicks", shard, "AFTER_SEQUENCE_NUMBER", starting_sequence_number=number
        )
        assert [r.data for r in (await storage.get_records(at, 10)).records] == [b"r1", b"r2"]
        assert [r.data for r in (await storage.get_records(after, 10)).records] == [b"r2"]

    async def test_at_timestamp(self, storage: StreamStorage, clock: FakeClock) -> None:
        """§7.1: AT_TIMESTAMP starts at the first record that arrived at or after it; a
        timestamp in the future is refused."""
        await storage.put_record("clicks", b"early", "k")
        clock.advance(10)
        start = clock.time()
        await storage.put_record("clicks", b"late", "k")
        shard = await first_shard(storage, "clicks")
        iterator = await storage.get_shard_iterator(
            "clicks", shard, "AT_TIMESTAMP", timestamp=start
        )
        assert [r.data for r in (await storage.get_records(iterator, 10)).records] == [b"late"]
        with pytest.raises(InvalidArgumentException):
            await storage.get_shard_iterator(
                "clicks", shard, "AT_TIMESTAMP", timestamp=clock.time() + 60
            )

    async def test_a_made_up_iterator_is_invalid(self, storage: StreamStorage) -> None:
        """GetRecords with a token that is not an iterator: InvalidArgumentException."""
        with pytest.raises(InvalidArgumentException, match="Invalid ShardIterator"):
            await storage.get_records("bm90IGFuIGl0ZXJhdG9y", 10)
