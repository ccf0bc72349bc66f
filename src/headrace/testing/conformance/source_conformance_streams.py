"""The stream-like source seam (:class:`~headrace.sources.source_seam.OrderedShards` with
:class:`~headrace.sources.source_seam.CheckpointPositions`) as a pytest test class.

A stream source kind passes by running :class:`TestStreamSource` with a
``stream_source_factory`` fixture: an async context manager factory that opens one fresh
single-shard stream and yields a :class:`StreamUnderTest` (see ``source_conformance.py``
for the queue suite's factory, built the same way).

The seam's starting positions are TRIM_HORIZON, LATEST, AT_TIMESTAMP and
AFTER_SEQUENCE_NUMBER (a checkpoint resumes *after* a record); AT_SEQUENCE_NUMBER is no
start the engine asks for, so the suite does not test it. § numbers name the statements of
the reference (lambda-esm.md, §5.5 shards, §7: starting positions and checkpoints).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

import pytest

from headrace.events import StreamRecord
from headrace.sources.source_seam import (
    CheckpointPositions,
    OrderedShards,
    StreamStart,
    capabilities,
)

# Real seconds a test waits for something that should happen at once.
PATIENCE = 10.0

__all__ = ["StreamSourceFactory", "StreamUnderTest", "TestStreamSource"]


@dataclass(frozen=True)
class StreamUnderTest:
    """One fresh stream of one shard, as a source and a way to write to it.

    ``put(label)`` writes a record (a stream record whose data is ``label``, or a table
    item whose key is ``label``); ``label(record)`` reads the label back from a record.
    """

    source: OrderedShards
    put: Callable[[str], Awaitable[None]]
    label: Callable[[StreamRecord], str]


class StreamSourceFactory(Protocol):
    """Opens one fresh single-shard stream and closes its source afterwards."""

    def __call__(self) -> AbstractAsyncContextManager[StreamUnderTest]: ...


async def only_shard(stream: StreamUnderTest) -> str:
    [shard] = await stream.source.list_shards()
    return shard.shard_id


async def read_to_tip(stream: StreamUnderTest, iterator: str) -> list[StreamRecord]:
    """Every record from ``iterator`` up to the shard's tip."""
    got: list[StreamRecord] = []
    async with asyncio.timeout(PATIENCE * 2):
        while True:
            read = await stream.source.get_records(iterator, 100)
            got.extend(read.records)
            if read.next_iterator is None or (read.at_tip and not read.records):
                return got
            iterator = read.next_iterator


async def from_trim_horizon(stream: StreamUnderTest) -> list[StreamRecord]:
    """Every record of the only shard, oldest first."""
    shard = await only_shard(stream)
    return await read_to_tip(
        stream, await stream.source.iterator(shard, StreamStart("TRIM_HORIZON"))
    )


async def read_from(stream: StreamUnderTest, start: StreamStart) -> list[str]:
    shard = await only_shard(stream)
    records = await read_to_tip(stream, await stream.source.iterator(shard, start))
    return [stream.label(r) for r in records]


async def put_all(stream: StreamUnderTest, *labels: str) -> None:
    for label in labels:
        await stream.put(label)


class StreamSourceContract:
    """Gives the tests :meth:`open_stream`: the factory the test module supplies."""

    @pytest.fixture
    def open_stream(self, stream_source_factory: StreamSourceFactory) -> StreamSourceFactory:
        return stream_source_factory


class TestStreamSource(StreamSourceContract):
    """Shards, iterators, positions and wake-ups as the stream engine uses them."""

    async def test_it_declares_ordered_shards_and_checkpoint_positions(
        self, open_stream: StreamSourceFactory
    ) -> None:
        async with open_stream() as stream:
            found = capabilities(stream.source)
            assert {"ordered-shards", "checkpoint-positions"} <= found
            assert stream.source.arn

    async def test_list_shards_names_the_open_shard(self, open_stream: StreamSourceFactory) -> None:
        """§5.5: a fresh stream's shard is open and has no parent."""
        async with open_stream() as stream:
            [shard] = await stream.source.list_shards()
            assert shard.shard_id
            assert not shard.closed
            assert shard.parent_shard_ids == ()

    async def test_trim_horizon_reads_every_record_in_order(
        self, open_stream: StreamSourceFactory
    ) -> None:
        """§7.1: TRIM_HORIZON is all records; a shard keeps their order."""
        async with open_stream() as stream:
            await put_all(stream, "a", "b", "c", "d")
            records = await from_trim_horizon(stream)
            assert [stream.label(r) for r in records] == ["a", "b", "c", "d"]
            numbers = [int(r.sequence_number) for r in records]
            assert numbers == sorted(numbers)
            assert len(set(numbers)) == 4

    async def test_latest_reads_only_what_is_put_afterwards(
        self, open_stream: StreamSourceFactory
    ) -> None:
        """§7.1: LATEST is only records added after the iterator was taken."""
        async with open_stream() as stream:
            await put_all(stream, "old")
            shard = await only_shard(stream)
            iterator = await stream.source.iterator(shard, StreamStart("LATEST"))
            await put_all(stream, "new-1", "new-2")
            records = await read_to_tip(stream, iterator)
            assert [stream.label(r) for r in records] == ["new-1", "new-2"]

    async def test_after_sequence_number_resumes_after_a_checkpoint(
        self, open_stream: StreamSourceFactory
    ) -> None:
        """§7.3, §7.4: a checkpoint holds the last sequence number processed; reading
        resumes after it."""
        async with open_stream() as stream:
            await put_all(stream, "a", "b", "c")
            first = await from_trim_horizon(stream)
            after_a = StreamStart("AFTER_SEQUENCE_NUMBER", sequence_number=first[0].sequence_number)
            assert await read_from(stream, after_a) == ["b", "c"]
            after_c = StreamStart("AFTER_SEQUENCE_NUMBER", sequence_number=first[2].sequence_number)
            assert await read_from(stream, after_c) == []

    async def test_a_read_at_the_tip_says_so(self, open_stream: StreamSourceFactory) -> None:
        async with open_stream() as stream:
            await put_all(stream, "only")
            shard = await only_shard(stream)
            records = await from_trim_horizon(stream)
            assert [stream.label(r) for r in records] == ["only"]
            latest = await stream.source.iterator(shard, StreamStart("LATEST"))
            read = await stream.source.get_records(latest, 10)
            assert list(read.records) == []
            assert read.at_tip
            assert read.millis_behind_latest == 0
            assert read.next_iterator is not None  # an open shard goes on

    async def test_has_records_after_answers_by_sequence_number(
        self, open_stream: StreamSourceFactory
    ) -> None:
        """§7.3: whether a checkpoint has records after it (None: any record)."""
        async with open_stream() as stream:
            source = stream.source
            assert isinstance(source, CheckpointPositions)
            shard = await only_shard(stream)
            assert not await source.has_records_after(shard, None)
            await put_all(stream, "a", "b")
            records = await from_trim_horizon(stream)
            assert await source.has_records_after(shard, None)
            assert await source.has_records_after(shard, records[0].sequence_number)
            assert not await source.has_records_after(shard, records[-1].sequence_number)

    async def test_a_latest_position_resumes_without_skipping_later_records(
        self, open_stream: StreamSourceFactory
    ) -> None:
        """§7.1, §7.3: a LATEST start is stored as ``latest_sequence_number`` (the newest
        record's sequence number, or a source's own mark: the AWS sources keep the time),
        so a restart resuming after it reads what was put meanwhile and nothing older."""
        async with open_stream() as stream:
            source = stream.source
            assert isinstance(source, CheckpointPositions)
            shard = await only_shard(stream)
            await put_all(stream, "old")
            # A time mark has millisecond resolution: keep "old" clearly before it.
            await asyncio.sleep(0.05)
            position = await source.latest_sequence_number(shard)
            assert position is not None
            assert not await source.has_records_after(shard, position)
            await asyncio.sleep(0.05)
            await put_all(stream, "new")
            assert await source.has_records_after(shard, position)
            after = StreamStart("AFTER_SEQUENCE_NUMBER", sequence_number=position)
            assert await read_from(stream, after) == ["new"]

    async def test_latest_sequence_number_of_a_record_is_that_record(
        self, open_stream: StreamSourceFactory
    ) -> None:
        """Where a source keeps sequence numbers as positions, the newest record's is it."""
        async with open_stream() as stream:
            source = stream.source
            assert isinstance(source, CheckpointPositions)
            await put_all(stream, "a", "b")
            shard = await only_shard(stream)
            position = await source.latest_sequence_number(shard)
            if position is None or not position.isdigit():
                pytest.skip(f"the source keeps its own position mark ({position!r})")
            records = await from_trim_horizon(stream)
            assert position == records[-1].sequence_number

    async def test_wait_for_records_wakes_on_a_put(self, open_stream: StreamSourceFactory) -> None:
        """A poller at the tip waits for records instead of polling on a timer; a put
        after it read the version wakes it."""
        async with open_stream() as stream:
            version = stream.source.version()
            waiting = asyncio.ensure_future(stream.source.wait_for_records(version, PATIENCE))
            await asyncio.sleep(0.1)
            await stream.put("wake")
            async with asyncio.timeout(PATIENCE * 2):
                assert await waiting
            assert await read_from(stream, StreamStart("TRIM_HORIZON")) == ["wake"]

    async def test_wait_for_records_returns_at_once_after_a_missed_put(
        self, open_stream: StreamSourceFactory
    ) -> None:
        """A put between reading the version and waiting is not missed."""
        async with open_stream() as stream:
            version = stream.source.version()
            await stream.put("early")
            async with asyncio.timeout(PATIENCE):
                assert await stream.source.wait_for_records(version, PATIENCE)

    async def test_aclose_is_clean(self, open_stream: StreamSourceFactory) -> None:
        async with open_stream() as stream:
            await stream.put("left behind")
            await stream.source.aclose()
