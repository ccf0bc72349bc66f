"""The SQS source's leases around a delete, on a fake clock with an in-memory SQS API.

The engine starts a batch's delete and lets it run alongside the lane's next receive
(``QueuePoller._delete``): the lane asks the source again before SQS has answered the
delete. These tests drive the source in that order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest

from headrace.aws.aws_retry import Retrier
from headrace.clock import FakeClock
from headrace.events import QueueMessage
from headrace.sources.sqs import SqsPolling, SqsQueueSource

ARN = "arn:aws:sqs:us-east-1:123456789012:orders.fifo"
# The queue's visibility timeout in these tests: extensions are due every 2 s.
VISIBILITY = 4
POLLING = SqsPolling(batch_size=2, window_seconds=0, function_timeout=1)


class SlowDeleteApi:
    """Receives hand out ``messages`` once; deletes wait until ``answer_deletes`` is set."""

    arn = ARN
    fifo = True

    def __init__(self, messages: list[QueueMessage]) -> None:
        self.messages = messages
        self.retrier = Retrier(FakeClock(), ARN)
        self.extended: list[str] = []
        self.deleted: list[str] = []
        self.answer_deletes = asyncio.Event()

    async def receive(
        self, max_messages: int, *, wait_seconds: int, visibility_timeout: int | None
    ) -> list[QueueMessage]:
        taken, self.messages = self.messages[:max_messages], self.messages[max_messages:]
        return taken

    async def delete(self, handles: Sequence[str]) -> int:
        await self.answer_deletes.wait()
        self.deleted.extend(handles)
        return len(handles)

    async def change_visibility(self, handles: Sequence[str], timeout: int) -> set[str]:
        self.extended.extend(handles)
        return set(handles)


def message(handle: str) -> QueueMessage:
    return QueueMessage(handle, handle, "ok", "md5", {"MessageGroupId": "b"})


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.fixture
async def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def api() -> SlowDeleteApi:
    return SlowDeleteApi([message("b-3")])


@pytest.fixture
async def source(api: SlowDeleteApi, clock: FakeClock) -> AsyncIterator[SqsQueueSource]:
    made = SqsQueueSource(
        api,  # type: ignore[arg-type]
        visibility_timeout=VISIBILITY,
        polling=POLLING,
        clock=clock,
    )
    made.start()
    try:
        yield made
    finally:
        api.answer_deletes.set()
        await made.aclose()


async def advance(clock: FakeClock, seconds: float, step: float = 0.25) -> None:
    for _ in range(round(seconds / step)):
        clock.advance(step)
        await settle()


async def test_a_message_being_deleted_stays_invisible_until_sqs_answers(
    source: SqsQueueSource, api: SlowDeleteApi, clock: FakeClock
) -> None:
    """A processed message whose delete is slow is extended until the delete returns.

    The lane asks again right after starting the delete (which settles its batch); if the
    heartbeat stopped there, a delete slower than the visibility left would let SQS hand the
    message out again: a processed FIFO message delivered twice.
    """
    [processed] = await source.receive(2, wait_seconds=0)
    deleting = asyncio.ensure_future(source.delete([processed]))
    assert await source.receive(2, wait_seconds=0) == []  # the lane asks again at once
    await advance(clock, VISIBILITY)
    assert api.extended.count("b-3") == 2  # at 2 s and 4 s: never allowed to run out
    api.answer_deletes.set()
    assert await deleting == 1
    await advance(clock, VISIBILITY)
    assert api.extended.count("b-3") == 2  # deleted: no more extensions
    assert source.statistics().handed_out == 0
