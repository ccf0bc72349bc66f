"""The embedded queue source: long polls that wake on changes, never on a timer."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from headrace.broker import EmbeddedBroker
from headrace.clock import FakeClock
from headrace.config.model import QueueConfig, RedrivePolicy
from headrace.errors import (
    BrokerError,
    DataDirInUse,
    InvalidParameterValue,
    QueueDoesNotExist,
    SourceUnavailable,
)
from headrace.sources.embedded_queue import EmbeddedQueueSource, open_embedded_queue
from headrace.sources.kinds.sqs_family import QUEUE_NOT_FOUND
from headrace.sources.source_seam import QueueSource
from headrace.statistics import QueueDepth

REGION = "us-east-1"
ACCOUNT = "123456789012"
# Real seconds a test waits for something that happens at once; only a hang reaches it.
HANG = 30.0


def arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


QUEUES = {
    "q": QueueConfig(
        name="q",
        redrive_policy=RedrivePolicy(dead_letter_target_arn=arn("dlq"), max_receive_count=1),
    ),
    "dlq": QueueConfig(name="dlq"),
    "f.fifo": QueueConfig(name="f.fifo", fifo_queue=True, content_based_deduplication=True),
}

SEND_FROM_ANOTHER_PROCESS = """
import sys
from pathlib import Path
from headrace.broker import QueueBroker
from headrace.config.model import QueueConfig
broker = QueueBroker(Path(sys.argv[1]) / "broker.sqlite3", {"q": QueueConfig(name="q")},
                     region="us-east-1", account="123456789012")
print(broker.send_message("q", "from afar").message_id)
broker.close()
"""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def broker(tmp_path: Path, clock: FakeClock) -> AsyncIterator[EmbeddedBroker]:
    async with EmbeddedBroker(
        tmp_path, QUEUES, region=REGION, account=ACCOUNT, clock=clock
    ) as embedded:
        yield embedded


@pytest.fixture
def source(broker: EmbeddedBroker) -> EmbeddedQueueSource:
    return open_embedded_queue(broker, arn("q"))


async def send(broker: EmbeddedBroker, queue: str, body: str, **kwargs: object) -> str:
    result = await broker.call(broker.queues.send_message, queue, body, **kwargs)  # type: ignore[arg-type]
    return result.message_id


async def until(condition: Callable[[], bool]) -> None:
    """Let other tasks run until ``condition`` holds (a hang fails after HANG seconds)."""
    async with asyncio.timeout(HANG):
        while not condition():  # noqa: ASYNC110 - the conditions have no event to wait on
            await asyncio.sleep(0.001)


async def waiting(clock: FakeClock, task: asyncio.Task[object]) -> None:
    """Until ``task`` sleeps on the fake clock (it found nothing and waits)."""
    await until(lambda: clock.sleepers > 0 or task.done())
    assert not task.done()


def test_is_a_queue_source(source: EmbeddedQueueSource) -> None:
    """The embedded source satisfies the engine's QueueSource protocol."""
    typed: QueueSource = source
    assert typed.arn == arn("q")
    assert not source.fifo
    assert source.visibility_timeout == 30


async def test_receive_returns_available_messages(
    broker: EmbeddedBroker, source: EmbeddedQueueSource
) -> None:
    """Available messages come back at once, in send order."""
    ids = [await send(broker, "q", f"m{i}") for i in range(3)]
    received = await source.receive(10, wait_seconds=20)
    assert [m.message_id for m in received] == ids


async def test_no_wait_returns_empty_at_once(source: EmbeddedQueueSource) -> None:
    """With wait_seconds=0 an empty queue answers an empty list."""
    assert await source.receive(10, wait_seconds=0) == []


async def test_long_poll_woken_by_a_send(
    broker: EmbeddedBroker, source: EmbeddedQueueSource, clock: FakeClock
) -> None:
    """A send wakes a waiting long poll at once; no clock time passes."""
    poll = asyncio.create_task(source.receive(10, wait_seconds=20))
    await waiting(clock, poll)
    await send(broker, "q", "hello")
    received = await asyncio.wait_for(poll, HANG)
    assert [m.body for m in received] == ["hello"]
    assert clock.monotonic() == 0
    assert source.statistics().wakeups == 1


async def test_long_poll_woken_by_another_process(tmp_path: Path) -> None:
    """A send from another process (headrace send) wakes the long poll at once."""
    # The sender stamps its message with the real clock: this fake clock runs an hour ahead
    # so the message is already visible here.
    clock = FakeClock(start=time.time() + 3600)
    async with EmbeddedBroker(tmp_path, QUEUES, region=REGION, account=ACCOUNT, clock=clock) as b:
        poll = asyncio.create_task(open_embedded_queue(b, arn("q")).receive(10, wait_seconds=20))
        await waiting(clock, poll)
        sender = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            SEND_FROM_ANOTHER_PROCESS,
            str(tmp_path),
            stdout=asyncio.subprocess.PIPE,
        )
        stdout, _ = await sender.communicate()
        received = await asyncio.wait_for(poll, HANG)
    assert [m.message_id for m in received] == [stdout.decode().strip()]
    assert clock.monotonic() == 0  # woken, not timed out


async def test_long_poll_sleeps_until_a_delayed_message(
    broker: EmbeddedBroker, source: EmbeddedQueueSource, clock: FakeClock
) -> None:
    """A long poll sleeps exactly until the next delayed message becomes visible."""
    await send(broker, "q", "later", delay_seconds=5)
    poll = asyncio.create_task(source.receive(10, wait_seconds=20))
    await waiting(clock, poll)
    clock.advance(4.999)
    await asyncio.sleep(0.01)
    assert not poll.done()
    clock.advance(0.001)
    assert [m.body for m in await asyncio.wait_for(poll, HANG)] == ["later"]


async def test_long_poll_gets_a_message_back_after_its_visibility_timeout(
    broker: EmbeddedBroker, clock: FakeClock
) -> None:
    """§4.1.1: an unprocessed message returns after the visibility timeout, count 2."""
    source = open_embedded_queue(broker, arn("dlq"))
    await send(broker, "dlq", "retry me")
    await source.receive(10, wait_seconds=0)
    poll = asyncio.create_task(source.receive(10, wait_seconds=60))
    await waiting(clock, poll)
    clock.advance(30)
    assert [m.receive_count for m in await asyncio.wait_for(poll, HANG)] == [2]


async def test_long_poll_ends_after_wait_seconds(
    source: EmbeddedQueueSource, clock: FakeClock
) -> None:
    """An empty queue answers [] once wait_seconds of clock time have passed."""
    poll = asyncio.create_task(source.receive(10, wait_seconds=20))
    await waiting(clock, poll)
    clock.advance(20)
    assert await asyncio.wait_for(poll, HANG) == []
    assert source.statistics().empty_receives == 1


async def test_cancelled_long_poll_leaves_nothing(
    broker: EmbeddedBroker, source: EmbeddedQueueSource, clock: FakeClock
) -> None:
    """Cancelling a long poll removes its waiter and its sleeper."""
    poll = asyncio.create_task(source.receive(10, wait_seconds=20))
    await waiting(clock, poll)
    poll.cancel()
    with pytest.raises(asyncio.CancelledError):
        await poll
    await asyncio.sleep(0)
    assert clock.sleepers == 0
    assert broker.waker.statistics().waiting == 0


async def test_dead_letter_move_wakes_the_dlq(
    broker: EmbeddedBroker, source: EmbeddedQueueSource, clock: FakeClock
) -> None:
    """§4.1.2: a message moved to the DLQ on receive wakes the DLQ's long polls."""
    await send(broker, "q", "poison")
    await source.receive(10, wait_seconds=0)
    clock.advance(30)
    dlq_poll = asyncio.create_task(
        open_embedded_queue(broker, arn("dlq")).receive(10, wait_seconds=300)
    )
    await waiting(clock, dlq_poll)
    assert await source.receive(10, wait_seconds=0) == []
    assert [m.body for m in await asyncio.wait_for(dlq_poll, HANG)] == ["poison"]


async def test_wait_visible_receives_nothing(
    broker: EmbeddedBroker, source: EmbeddedQueueSource
) -> None:
    """wait_visible reports a visible message without receiving it."""
    await send(broker, "q", "x")
    assert await source.wait_visible(10) is True
    assert await source.depth() == QueueDepth(visible=1, in_flight=0, delayed=0)


async def test_wait_visible_times_out(source: EmbeddedQueueSource, clock: FakeClock) -> None:
    """wait_visible answers False when nothing became visible within the timeout."""
    task = asyncio.create_task(source.wait_visible(10))
    await waiting(clock, task)
    clock.advance(10)
    assert await asyncio.wait_for(task, HANG) is False


async def test_wait_visible_ignores_blocked_fifo_groups(
    broker: EmbeddedBroker, clock: FakeClock
) -> None:
    """§4.1.7: a FIFO message behind an in-flight one cannot be received: not visible."""
    fifo = open_embedded_queue(broker, arn("f.fifo"))
    assert fifo.fifo
    await send(broker, "f.fifo", "1", message_group_id="g")
    await send(broker, "f.fifo", "2", message_group_id="g")
    await fifo.receive(1, wait_seconds=0)
    task = asyncio.create_task(fifo.wait_visible(60))
    await waiting(clock, task)
    clock.advance(30)  # the in-flight message's visibility timeout ends
    assert await asyncio.wait_for(task, HANG) is True


async def test_delete_counts_only_current_handles(
    broker: EmbeddedBroker, source: EmbeddedQueueSource, clock: FakeClock
) -> None:
    """delete() counts messages it deleted; a stale handle deletes nothing."""
    await send(broker, "dlq", "a")
    dlq = open_embedded_queue(broker, arn("dlq"))
    stale = await dlq.receive(1, wait_seconds=0)
    clock.advance(30)
    current = await dlq.receive(1, wait_seconds=0)
    assert await dlq.delete(stale) == 0
    assert await dlq.delete(current) == 1
    assert await dlq.delete([]) == 0
    assert dlq.statistics().messages_deleted == 1


async def test_change_visibility_returns_messages(
    broker: EmbeddedBroker, source: EmbeddedQueueSource
) -> None:
    """change_visibility(…, 0) makes in-flight messages visible again at once."""
    await send(broker, "q", "a")
    received = await source.receive(1, wait_seconds=0)
    await source.change_visibility(received, 0)
    await source.change_visibility([], 0)
    assert await source.depth() == QueueDepth(visible=1, in_flight=0, delayed=0)


async def test_statistics_of_the_broker(
    broker: EmbeddedBroker, source: EmbeddedQueueSource
) -> None:
    """The broker's statistics combine the queue counters and the wake-ups."""
    await send(broker, "q", "a")
    await source.receive(1, wait_seconds=0)
    stats = broker.statistics()
    assert (stats.queues.sent, stats.queues.received) == (1, 1)
    assert stats.wake.notifications >= 1
    assert source.statistics().messages_received == 1
    await source.aclose()


async def test_unknown_queue(broker: EmbeddedBroker) -> None:
    """A source for an undeclared queue is QueueDoesNotExist."""
    with pytest.raises(QueueDoesNotExist):
        open_embedded_queue(broker, arn("nope"))


async def test_second_broker_on_the_same_data_dir_is_refused(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    """Only one headrace run per data_dir: the second is told who holds it."""
    with pytest.raises(
        DataDirInUse, match=rf"in use by another `headrace run` \(pid {os.getpid()}\)"
    ):
        async with EmbeddedBroker(tmp_path, QUEUES, region=REGION, account=ACCOUNT):
            pass


async def test_not_listening_broker_shares_the_file(
    broker: EmbeddedBroker, tmp_path: Path, clock: FakeClock
) -> None:
    """listen=False opens the same file without the wake-up socket."""
    other = EmbeddedBroker(
        tmp_path, QUEUES, region=REGION, account=ACCOUNT, clock=clock, listen=False
    )
    async with other:
        await send(other, "q", "shared")
    assert (await open_embedded_queue(broker, arn("q")).depth()).visible == 1
    await other.aclose()


async def test_unstarted_broker_says_so(tmp_path: Path) -> None:
    """Using the broker before start() is a BrokerError that says what to do."""
    broker = EmbeddedBroker(tmp_path, QUEUES, region=REGION, account=ACCOUNT)
    with pytest.raises(BrokerError, match="async with"):
        broker.queues  # noqa: B018
    with pytest.raises(BrokerError, match="async with"):
        broker.waker  # noqa: B018
    with pytest.raises(BrokerError, match="async with"):
        broker.call(print)
    await broker.aclose()


async def test_cancelled_receive_hands_its_messages_back(
    broker: EmbeddedBroker, source: EmbeddedQueueSource
) -> None:
    """Shutdown: a receive cancelled while the broker runs it returns its messages at once."""
    await send(broker, "q", "x")
    blocker = threading.Event()
    busy = broker.call(blocker.wait)
    poll = asyncio.create_task(source.receive(10, wait_seconds=0))
    await asyncio.sleep(0)  # the receive is queued behind the blocked call
    poll.cancel()
    with pytest.raises(asyncio.CancelledError):
        await poll
    blocker.set()
    await busy
    await until(lambda: broker.queues.queue_depth("q").visible == 1)
    assert broker.queues.queue_depth("q") == QueueDepth(visible=1, in_flight=0, delayed=0)


async def test_broker_errors_reach_the_caller(broker: EmbeddedBroker) -> None:
    """An error raised on the broker thread is raised to the awaiting task."""
    with pytest.raises(QueueDoesNotExist):
        await broker.call(broker.queues.queue_depth, "nope")


async def test_failed_start_releases_everything(tmp_path: Path) -> None:
    """A broker that cannot start (bad declaration) stops its thread and raises."""
    bad = {"bad name": QueueConfig(name="bad name")}
    embedded = EmbeddedBroker(tmp_path, bad, region=REGION, account=ACCOUNT)
    with pytest.raises(InvalidParameterValue):
        await embedded.start()
    with pytest.raises(BrokerError):
        embedded.call(print)


async def test_a_deleted_queue_is_unavailable_not_an_engine_error(tmp_path: Path) -> None:
    """DeleteQueue of the queue a source reads (§1.6.11): a receive raises
    SourceUnavailable with Lambda's NonExistentQueue words (the mapping shows it as its
    problem and retries), wait_visible lets that receive run, depth is empty; a queue made
    again under the name is read again."""
    clock = FakeClock()
    async with EmbeddedBroker(tmp_path, {}, region=REGION, account=ACCOUNT, clock=clock) as broker:
        await broker.call(broker.queues.create_queue, "made", QueueConfig(name="made"))
        source = open_embedded_queue(broker, arn("made"))
        await send(broker, "made", "before")
        (received,) = await source.receive(1, wait_seconds=0)
        await broker.call(broker.queues.delete_queue, "made")
        with pytest.raises(SourceUnavailable) as missing:
            await source.receive(1, wait_seconds=0)
        assert str(missing.value) == QUEUE_NOT_FOUND
        assert missing.value.code == "AWS.SimpleQueueService.NonExistentQueue"
        assert not missing.value.transient
        with pytest.raises(SourceUnavailable):
            await source.delete([received])
        with pytest.raises(SourceUnavailable):
            await source.change_visibility([received], 0)
        assert await source.wait_visible(0) is True
        assert await source.depth() == QueueDepth(0, 0, 0)
        await broker.call(broker.queues.create_queue, "made", QueueConfig(name="made"))
        await send(broker, "made", "after")
        assert [m.body for m in await source.receive(1, wait_seconds=0)] == ["after"]
        await source.aclose()
