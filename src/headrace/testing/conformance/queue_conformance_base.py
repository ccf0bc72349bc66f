"""What the queue conformance classes share: the backend factory, the queues, the fixtures.

See :mod:`headrace.testing.conformance.queue_conformance` for how a backend runs the suite.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Mapping
from typing import Protocol

import pytest

from headrace.broker.storage_seam import QueueStorage
from headrace.clock import FakeClock
from headrace.config.model import QueueConfig, RedrivePolicy

__all__ = [
    "ACCOUNT",
    "REGION",
    "QueueStorageContract",
    "QueueStorageFactory",
    "conformance_queues",
    "queue_arn",
]

REGION = "us-east-1"
ACCOUNT = "123456789012"


class QueueStorageFactory(Protocol):
    """Opens a backend with ``queues`` declared, on ``clock``; the suite closes it."""

    def __call__(
        self, queues: Mapping[str, QueueConfig], *, clock: FakeClock, region: str, account: str
    ) -> Awaitable[QueueStorage]: ...


def queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def conformance_queues() -> dict[str, QueueConfig]:
    """A standard queue with a DLQ (maxReceiveCount 2), a FIFO queue with a DLQ, a plain one."""
    return {
        "orders": QueueConfig(
            name="orders",
            visibility_timeout=30,
            redrive_policy=RedrivePolicy(
                dead_letter_target_arn=queue_arn("orders-dlq"), max_receive_count=2
            ),
        ),
        "orders-dlq": QueueConfig(name="orders-dlq"),
        "plain": QueueConfig(name="plain", visibility_timeout=10),
        "jobs.fifo": QueueConfig(
            name="jobs.fifo",
            fifo_queue=True,
            visibility_timeout=30,
            redrive_policy=RedrivePolicy(
                dead_letter_target_arn=queue_arn("jobs-dlq.fifo"), max_receive_count=2
            ),
        ),
        "jobs-dlq.fifo": QueueConfig(name="jobs-dlq.fifo", fifo_queue=True),
    }


class QueueStorageContract:
    """Fixtures shared by the suite's classes: the fake clock and an open storage."""

    @pytest.fixture
    def clock(self) -> FakeClock:
        return FakeClock()

    @pytest.fixture
    async def storage(
        self, queue_storage_factory: QueueStorageFactory, clock: FakeClock
    ) -> AsyncIterator[QueueStorage]:
        opened = await queue_storage_factory(
            conformance_queues(), clock=clock, region=REGION, account=ACCOUNT
        )
        try:
            yield opened
        finally:
            await opened.aclose()
