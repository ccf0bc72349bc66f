"""The queue source conformance suite over the real SQS source, on moto's server.

Real time: the suite ends visibility timeouts with ChangeMessageVisibility 0 (§4.1.2's
retries are governed by the queue) instead of a fake clock.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aws_support import Queues

from headrace.clock import SystemClock
from headrace.sources.sqs import SqsPolling, connect_sqs_source
from headrace.testing.conformance.source_conformance import (
    QueueSourceFactory,
    QueueUnderTest,
    TestQueueSourceCapabilities,
    TestQueueSourceCore,
)

__all__ = ["TestQueueSourceCapabilities", "TestQueueSourceCore"]

POLLING = SqsPolling(batch_size=10, window_seconds=0, function_timeout=1)


@pytest.fixture
def queue_source_factory(queues: Queues, aio_client: Any) -> QueueSourceFactory:
    @contextlib.asynccontextmanager
    async def open_queue(*, fifo: bool) -> AsyncIterator[QueueUnderTest]:
        attributes: dict[str, Any] = {"VisibilityTimeout": 30}
        if fifo:
            attributes["FifoQueue"] = True
        q = queues.create(**attributes)
        source = await connect_sqs_source(aio_client, q.arn, polling=POLLING, clock=SystemClock())

        async def send(body: str, group: str | None) -> None:
            queues.send(q, body, group=group)

        try:
            yield QueueUnderTest(source, send=send)
        finally:
            await source.aclose()

    return open_queue
