"""The queue source conformance suite over the in-memory and the embedded queue sources."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from headrace.broker import EmbeddedBroker
from headrace.clock import FakeClock
from headrace.config.model import QueueConfig
from headrace.events import QueueMessage
from headrace.sources.embedded_queue import open_embedded_queue
from headrace.testing.conformance.source_conformance import (
    QueueSourceFactory,
    QueueUnderTest,
    TestQueueSourceCapabilities,
    TestQueueSourceCore,
)
from headrace.testing.memory_queue_source import InMemoryQueueSource

__all__ = ["TestQueueSourceCapabilities", "TestQueueSourceCore"]

REGION = "us-east-1"
ACCOUNT = "123456789012"
QUEUES = {
    "q": QueueConfig(name="q"),
    "q.fifo": QueueConfig(name="q.fifo", fifo_queue=True, content_based_deduplication=True),
}


def in_memory() -> QueueSourceFactory:
    @contextlib.asynccontextmanager
    async def open_queue(*, fifo: bool) -> AsyncIterator[QueueUnderTest]:
        clock = FakeClock()
        source = InMemoryQueueSource(
            f"arn:aws:sqs:{REGION}:{ACCOUNT}:q{'.fifo' if fifo else ''}", clock=clock, fifo=fifo
        )

        async def send(body: str, group: str | None) -> None:
            source.send(body, group_id=group)

        try:
            yield QueueUnderTest(source, send=send, advance=clock.advance)
        finally:
            await source.aclose()

    return open_queue


def embedded(data_dir: Path) -> QueueSourceFactory:
    @contextlib.asynccontextmanager
    async def open_queue(*, fifo: bool) -> AsyncIterator[QueueUnderTest]:
        clock = FakeClock()
        name = "q.fifo" if fifo else "q"
        async with EmbeddedBroker(
            data_dir, QUEUES, region=REGION, account=ACCOUNT, clock=clock
        ) as broker:
            source = open_embedded_queue(broker, f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}")

            async def send(body: str, group: str | None) -> None:
                await broker.call(broker.queues.send_message, name, body, message_group_id=group)

            try:
                yield QueueUnderTest(source, send=send, advance=clock.advance)
            finally:
                await source.aclose()

    return open_queue


@pytest.fixture(params=["in-memory", "embedded"])
def queue_source_factory(request: pytest.FixtureRequest, tmp_path: Path) -> QueueSourceFactory:
    if request.param == "in-memory":
        return in_memory()
    return embedded(tmp_path)


class ForgetfulSource(InMemoryQueueSource):
    """Counts successes as settled without deleting them: a source the suite must fail."""

    async def delete(self, messages: Sequence[QueueMessage]) -> int:
        return len(messages)


async def test_the_suite_fails_a_source_that_keeps_settled_messages() -> None:
    @contextlib.asynccontextmanager
    async def open_queue(*, fifo: bool) -> AsyncIterator[QueueUnderTest]:
        clock = FakeClock()
        source = ForgetfulSource(f"arn:aws:sqs:{REGION}:{ACCOUNT}:q", clock=clock)

        async def send(body: str, group: str | None) -> None:
            source.send(body, group_id=group)

        yield QueueUnderTest(source, send=send, advance=clock.advance)

    with pytest.raises(AssertionError):
        await TestQueueSourceCore().test_settled_successes_are_gone_and_counted(open_queue)
