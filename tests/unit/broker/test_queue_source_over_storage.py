"""The embedded queue source over any QueueStorage: the in-memory backend drives it too."""

from __future__ import annotations

import asyncio

from headrace.clock import FakeClock
from headrace.config.model import QueueConfig
from headrace.sources.embedded_queue import EmbeddedQueueSource
from headrace.testing.memory_queue_storage import MemoryQueueStorage


def memory_source(clock: FakeClock) -> tuple[MemoryQueueStorage, EmbeddedQueueSource]:
    storage = MemoryQueueStorage({"jobs": QueueConfig(name="jobs")}, clock=clock)
    queue = storage.core.queue("jobs")
    return storage, EmbeddedQueueSource(storage, queue, clock=clock)


async def test_a_long_poll_is_woken_by_a_send() -> None:
    """A receive waiting on an empty queue returns the message a send puts there."""
    clock = FakeClock()
    storage, source = memory_source(clock)
    receiving = asyncio.ensure_future(source.receive(10, wait_seconds=20))
    for _ in range(10):
        await asyncio.sleep(0)
    assert not receiving.done()
    await storage.send_message("jobs", "hello")
    (message,) = await asyncio.wait_for(receiving, 5)
    assert message.body == "hello"
    assert await source.delete([message]) == 1
    assert (await source.depth()).visible == 0


async def test_a_long_poll_wakes_when_a_message_becomes_visible_again() -> None:
    """§4.1.1: a message not deleted comes back after the visibility timeout; a waiting
    receive gets it at that moment on the clock, without a send."""
    clock = FakeClock()
    storage, source = memory_source(clock)
    await storage.send_message("jobs", "retry me")
    (first,) = await source.receive(1, wait_seconds=0, visibility_timeout=5)
    receiving = asyncio.ensure_future(source.receive(1, wait_seconds=20))
    for _ in range(10):
        await asyncio.sleep(0)
    assert not receiving.done()
    clock.advance(5)
    (again,) = await asyncio.wait_for(receiving, 5)
    assert again.message_id == first.message_id
    assert again.attributes["ApproximateReceiveCount"] == "2"
