"""The embedded stream source over any StreamStorage: the in-memory backend drives it too."""

from __future__ import annotations

import asyncio

from headrace.clock import FakeClock
from headrace.config.resources import StreamConfig
from headrace.sources.embedded_streams import EmbeddedStreamSource
from headrace.sources.source_seam import StreamStart
from headrace.testing.memory_stream_storage import MemoryStreamStorage


async def test_reads_and_waits_over_the_memory_backend() -> None:
    """§5.1: a shard's records come in put order, the last read is at the tip, and a reader
    waiting for more is woken by the next put."""
    storage = MemoryStreamStorage({"clicks": StreamConfig(name="clicks")}, clock=FakeClock())
    source = EmbeddedStreamSource(storage, "clicks", storage.stream_arn("clicks"))
    (shard,) = await source.list_shards()
    for i in range(3):
        await storage.put_record("clicks", f"r{i}".encode(), "k")
    iterator = await source.iterator(shard.shard_id, StreamStart("TRIM_HORIZON"))
    read = await source.get_records(iterator, 10)
    assert [r.data for r in read.records] == [b"r0", b"r1", b"r2"]
    assert read.at_tip
    assert await source.latest_sequence_number(shard.shard_id) == read.records[-1].sequence_number
    version = source.version()
    waiting = asyncio.ensure_future(source.wait_for_records(version, 20))
    await asyncio.sleep(0)
    assert not waiting.done()
    await storage.put_record("clicks", b"r3", "k")
    assert await asyncio.wait_for(waiting, 5)
