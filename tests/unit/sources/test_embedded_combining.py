"""Deletes and receives of several lanes share broker calls, each caller its own answer."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from headrace.broker import EmbeddedBroker
from headrace.clock import FakeClock
from headrace.config.model import QueueConfig
from headrace.errors import BrokerError
from headrace.events import QueueMessage
from headrace.sources.combining import CallCombiner, CombinedAnswer
from headrace.sources.embedded_queue import EmbeddedQueueSource, open_embedded_queue

REGION = "us-east-1"
ACCOUNT = "123456789012"
QUEUES = {
    "q": QueueConfig(name="q"),
    "f.fifo": QueueConfig(name="f.fifo", fifo_queue=True, content_based_deduplication=True),
}


def arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[EmbeddedBroker]:
    async with EmbeddedBroker(
        tmp_path, QUEUES, region=REGION, account=ACCOUNT, clock=FakeClock(), listen=False
    ) as embedded:
        yield embedded


@pytest.fixture
def source(broker: EmbeddedBroker) -> EmbeddedQueueSource:
    return open_embedded_queue(broker, arn("q"))


async def fill(broker: EmbeddedBroker, count: int, queue: str = "q", **kwargs: str) -> None:
    for i in range(count):
        await broker.call(broker.queues.send_message, queue, f"m{i}", **kwargs)  # type: ignore[arg-type]


async def test_requests_made_during_a_call_share_the_next_one(
    broker: EmbeddedBroker, source: EmbeddedQueueSource
) -> None:
    """Two receives and a delete asked while a call runs share the next call."""
    await fill(broker, 20)
    first = await source.receive(2, wait_seconds=0)
    blocker = threading.Event()
    busy = broker.call(blocker.wait)
    running = asyncio.create_task(source.receive(5, wait_seconds=0))
    await asyncio.sleep(0.01)  # its call is sent, and waits behind the blocked thread
    tasks = [asyncio.create_task(source.receive(5, wait_seconds=0)) for _ in range(2)]
    deleting = asyncio.create_task(source.delete(first))
    await asyncio.sleep(0.01)
    blocker.set()
    await busy
    batches = await asyncio.gather(running, *tasks)
    assert await deleting == 2
    bodies = [m.body for batch in batches for m in batch]
    assert len(bodies) == 15
    assert len(set(bodies)) == 15
    assert source.statistics().broker_calls == 3


async def test_requests_of_one_step_share_a_call(
    broker: EmbeddedBroker, source: EmbeddedQueueSource
) -> None:
    """A lane's delete and its next receive, asked in one loop step, travel together."""
    await fill(broker, 4)
    first = await source.receive(2, wait_seconds=0)
    deleting = asyncio.ensure_future(source.delete(first))
    second = await source.receive(2, wait_seconds=0)
    assert await deleting == 2
    assert [m.body for m in second] == ["m2", "m3"]
    assert source.statistics().broker_calls == 2


async def test_an_idle_queue_sends_a_request_at_once(
    broker: EmbeddedBroker, source: EmbeddedQueueSource
) -> None:
    """With no call in flight a receive is its own call: nothing waits to be combined."""
    await fill(broker, 1)
    assert [m.body for m in await source.receive(10, wait_seconds=0)] == ["m0"]
    assert source.statistics().broker_calls == 1


async def test_delete_and_receive_deletes_first(broker: EmbeddedBroker) -> None:
    """One transaction: the deletes' answers per handle, then the receives' messages."""
    await fill(broker, 3)
    queues = broker.queues
    taken = queues.receive_messages("q", 2)
    exchange = queues.delete_and_receive(
        "q", [[taken[0].receipt_handle, "1-99"], [taken[1].receipt_handle]], [5, 5]
    )
    assert exchange.deleted == [[True, False], [True]]
    assert [[m.body for m in batch] for batch in exchange.received] == [["m2"], []]
    assert queues.queue_depth("q").total == 1


async def test_combined_standard_receives_share_the_oldest_messages_out(
    broker: EmbeddedBroker,
) -> None:
    """Receives of one call get distinct messages, oldest first, in the order asked."""
    await fill(broker, 4)
    exchange = broker.queues.delete_and_receive("q", [], [2, 3, 1])
    assert [[m.body for m in batch] for batch in exchange.received] == [
        ["m0", "m1"],
        ["m2", "m3"],
        [],
    ]


async def test_combined_fifo_receives_keep_group_order(broker: EmbeddedBroker) -> None:
    """§4.1.7: a second receive in the same call skips the group the first one took."""
    await fill(broker, 2, "f.fifo", message_group_id="g")
    exchange = broker.queues.delete_and_receive("f.fifo", [], [1, 1])
    assert [[m.body for m in batch] for batch in exchange.received] == [["m0"], []]


async def steps() -> None:
    """Let the tasks and the combiner's scheduled start run."""
    for _ in range(3):
        await asyncio.sleep(0)


def answer(received: list[list[QueueMessage]], deleted: list[list[bool]]) -> CombinedAnswer:
    return CombinedAnswer(deleted, received, None)


def message(body: str) -> QueueMessage:
    return QueueMessage(body, f"1-{body}", body, "", {})


class FakeBroker:
    """Stands in for the broker thread: calls wait until the test answers them."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[list[str]], list[int], int | None]] = []
        self.futures: list[asyncio.Future[CombinedAnswer]] = []
        self.handed_back: list[QueueMessage] = []

    def run(
        self, deletes: list[list[str]], receives: list[int], timeout: int | None
    ) -> asyncio.Future[CombinedAnswer]:
        self.calls.append((deletes, receives, timeout))
        self.futures.append(asyncio.get_running_loop().create_future())
        return self.futures[-1]

    def combiner(self) -> CallCombiner:
        return CallCombiner(self.run, self.handed_back.extend)


async def test_receives_with_another_visibility_timeout_go_in_their_own_call() -> None:
    """§4.1.5: a receive never gets another receive's visibility timeout."""
    fake = FakeBroker()
    combiner = fake.combiner()
    first = asyncio.create_task(combiner.receive(1, None))
    await steps()
    second = asyncio.create_task(combiner.receive(1, 60))
    third = asyncio.create_task(combiner.receive(1, None))
    await steps()
    fake.futures[0].set_result(answer([[message("a")]], []))
    await first
    await steps()
    assert fake.calls[1] == ([], [1], 60)
    fake.futures[1].set_result(answer([[message("b")]], []))
    assert (await second).messages == [message("b")]
    await steps()
    assert fake.calls[2] == ([], [1], None)
    fake.futures[2].set_result(answer([[message("c")]], []))
    assert (await third).messages == [message("c")]


async def test_a_failed_call_fails_each_of_its_requests() -> None:
    """A storage error reaches every caller of the call; the next call goes on normally."""
    fake = FakeBroker()
    combiner = fake.combiner()
    receiving = asyncio.create_task(combiner.receive(1, None))
    await steps()
    deleting = asyncio.create_task(combiner.delete(["1-1"]))
    await steps()
    fake.futures[0].set_exception(BrokerError("disk full"))
    with pytest.raises(BrokerError):
        await receiving
    await steps()
    fake.futures[1].set_exception(BrokerError("disk full"))
    with pytest.raises(BrokerError):
        await deleting
    again = asyncio.create_task(combiner.delete(["1-1"]))
    await steps()
    fake.futures[2].set_result(answer([], [[True]]))
    assert await again == [True]


async def test_a_cancelled_receive_hands_its_messages_back() -> None:
    """Shutdown: messages received for a caller that is gone become visible again."""
    fake = FakeBroker()
    combiner = fake.combiner()
    receiving = asyncio.create_task(combiner.receive(1, None))
    await steps()
    receiving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await receiving
    fake.futures[0].set_result(answer([[message("a")]], []))
    await steps()
    assert fake.handed_back == [message("a")]


async def test_a_receive_cancelled_before_its_call_is_not_sent() -> None:
    """A receive whose caller left while it waited for the next call receives nothing."""
    fake = FakeBroker()
    combiner = fake.combiner()
    first = asyncio.create_task(combiner.receive(1, None))
    await steps()
    waiting = asyncio.create_task(combiner.receive(1, None))
    await steps()
    waiting.cancel()
    await steps()
    fake.futures[0].set_result(answer([[]], []))
    await first
    await steps()
    assert len(fake.calls) == 1


async def test_a_wait_right_after_an_empty_receive_needs_no_look(
    broker: EmbeddedBroker, source: EmbeddedQueueSource
) -> None:
    """A lane whose receive found nothing waits at once; a send still wakes it."""
    assert await source.receive(10, wait_seconds=0) == []
    waiting = asyncio.create_task(source.wait_visible(60))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    await fill(broker, 1)
    assert await asyncio.wait_for(waiting, 30) is True
    assert source.statistics().looks_saved == 1


async def test_a_change_since_the_empty_receive_is_looked_at(
    broker: EmbeddedBroker, source: EmbeddedQueueSource
) -> None:
    """A send between the empty receive and the wait is seen: the wait looks, finds it."""
    assert await source.receive(10, wait_seconds=0) == []
    await fill(broker, 1)
    await asyncio.sleep(0.01)  # the send's wake-up reaches the waker
    assert await asyncio.wait_for(source.wait_visible(60), 30) is True
    assert source.statistics().looks_saved == 0


async def test_fifo_queues_always_look(broker: EmbeddedBroker) -> None:
    """§4.1.7: on FIFO a delete can unblock a group without a wake-up, so waits look."""
    fifo = open_embedded_queue(broker, arn("f.fifo"))
    await fill(broker, 2, "f.fifo", message_group_id="g")
    (first,) = await fifo.receive(1, wait_seconds=0)
    assert await fifo.receive(1, wait_seconds=0) == []
    assert await fifo.delete([first]) == 1
    assert await asyncio.wait_for(fifo.wait_visible(60), 30) is True
    assert fifo.statistics().looks_saved == 0


async def test_a_call_that_cannot_start_fails_only_its_requests() -> None:
    """A broker that refuses a call at once fails that call; the next group still goes."""
    fake = FakeBroker()
    refused = [True]

    def run(
        deletes: list[list[str]], receives: list[int], timeout: int | None
    ) -> asyncio.Future[CombinedAnswer]:
        if refused.pop(0) if refused else False:
            raise BrokerError("not started")
        return fake.run(deletes, receives, timeout)

    combiner = CallCombiner(run, fake.handed_back.extend)
    first = asyncio.create_task(combiner.receive(1, None))
    other = asyncio.create_task(combiner.receive(1, 60))
    with pytest.raises(BrokerError):
        await first
    await steps()
    assert fake.calls == [([], [1], 60)]
    fake.futures[0].set_result(answer([[message("a")]], []))
    assert (await other).messages == [message("a")]
