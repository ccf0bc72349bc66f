"""The visibility heartbeat's rules, on a fake clock with an API that records its calls."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest

from headrace.aws.visibility import RETRY_EXTEND_SECONDS, VisibilityKeeper
from headrace.clock import FakeClock
from headrace.errors import SourceUnavailable
from headrace.events import QueueMessage
from headrace.owned_tasks import OwnedTasks

ARN = "arn:aws:sqs:us-east-1:123456789012:orders"
# The longest a handed-out batch is kept invisible in these tests (window + Timeout + ...).
BATCH_SECONDS = 10.0
# Loop turns tried between a lease change and the heartbeat's cancel.
TURNS = 12


class RecordingApi:
    """ChangeMessageVisibilityBatch that records each call; handles in ``gone`` are refused."""

    arn = ARN

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], int]] = []
        self.gone: set[str] = set()
        self.failures = 0

    async def change_visibility(self, handles: Sequence[str], timeout: int) -> set[str]:
        self.calls.append((sorted(handles), timeout))
        if self.failures:
            self.failures -= 1
            raise SourceUnavailable("Error occurred", source_arn=ARN, transient=True)
        return set(handles) - self.gone


def message(handle: str) -> QueueMessage:
    return QueueMessage(handle, handle, "body", "md5", {"ApproximateReceiveCount": "1"})


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


class Running:
    def __init__(self, keeper: VisibilityKeeper, api: RecordingApi, clock: FakeClock) -> None:
        self.keeper, self.api, self.clock = keeper, api, clock

    async def advance(self, seconds: float, step: float = 0.25) -> None:
        for _ in range(round(seconds / step)):
            self.clock.advance(step)
            await settle()

    def extended(self, handle: str) -> int:
        return sum(1 for handles, _ in self.api.calls if handle in handles)


@pytest.fixture
async def running() -> AsyncIterator[Running]:
    clock, api = FakeClock(), RecordingApi()
    keeper = VisibilityKeeper(api, clock, batch_seconds=BATCH_SECONDS)  # type: ignore[arg-type]
    task = asyncio.ensure_future(keeper.run())
    try:
        yield Running(keeper, api, clock)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_held_messages_are_extended_every_half_timeout(running: Running) -> None:
    """A held message's visibility is set again each time half of it has passed."""
    running.keeper.hold([message("h")], 4)
    await settle()
    await running.advance(1.75)
    assert running.extended("h") == 0
    await running.advance(0.25)
    assert running.api.calls == [(["h"], 4)]
    await running.advance(20)
    assert running.extended("h") == 11  # at 2, 4, 6, ... 22 s: held has no deadline


async def test_handed_out_messages_stop_at_the_batch_deadline(running: Running) -> None:
    """A batch is extended at most BATCH_SECONDS after it was handed out."""
    task = asyncio.current_task()
    running.keeper.hand_out([message("b")], 4, owner=task)  # type: ignore[arg-type]
    await settle()
    await running.advance(30)
    assert running.extended("b") == 4  # at 2, 4, 6, 8 s; none from 10 s on


async def test_a_lane_asking_again_settles_its_earlier_batch(running: Running) -> None:
    """§4.1.2: once the lane asks again, a failed batch is left to its visibility timeout."""
    task = asyncio.current_task()
    running.keeper.hand_out([message("failed")], 4, owner=task)  # type: ignore[arg-type]
    await settle()
    await running.advance(2)
    assert running.extended("failed") == 1
    running.keeper.settle_owner(task)  # type: ignore[arg-type]
    await running.advance(10)
    assert running.extended("failed") == 1


async def test_a_lane_that_ended_leaves_its_batch_alone(running: Running) -> None:
    """A lane's task that is done no longer keeps its messages invisible."""
    lane = asyncio.ensure_future(asyncio.sleep(0))
    await lane
    running.keeper.hand_out([message("orphan")], 4, owner=lane)  # type: ignore[arg-type]
    await settle()
    await running.advance(6)
    assert running.extended("orphan") == 0


async def test_extend_now_sets_a_longer_timeout_at_once(running: Running) -> None:
    """§4.1.5: a held message handed out with a longer timeout gets it at once."""
    running.keeper.hold([message("w")], 4)
    running.keeper.hand_out([message("w")], 40, owner=None, extend_now=True)
    await settle()
    assert running.api.calls == [(["w"], 40)]


async def test_deleted_messages_are_not_extended(running: Running) -> None:
    """Forgotten (deleted or released) messages get no more extensions."""
    running.keeper.hold([message("d"), message("k")], 4)
    running.keeper.forget([message("d")])
    await settle()
    await running.advance(2)
    assert running.api.calls == [(["k"], 4)]


async def test_a_refused_handle_is_dropped(running: Running) -> None:
    """A handle SQS refuses (deleted, received again) is not extended again."""
    running.api.gone.add("stale")
    running.keeper.hold([message("stale"), message("ok")], 4)
    await settle()
    await running.advance(4)
    assert running.extended("stale") == 1
    assert running.extended("ok") == 2


async def test_a_failed_extension_is_tried_again_soon(running: Running) -> None:
    """An extension that fails is retried a moment later, not half a timeout later."""
    running.api.failures = 1
    running.keeper.hold([message("r")], 4)
    await settle()
    await running.advance(2)
    await running.advance(RETRY_EXTEND_SECONDS)
    assert running.extended("r") == 2
    stats = running.keeper.statistics()
    assert (stats.extension_failures, stats.extensions, stats.held) == (1, 1, 1)


def test_statistics_count_held_and_handed_out() -> None:
    """statistics() tells held from handed-out leases."""
    keeper = VisibilityKeeper(RecordingApi(), FakeClock(), batch_seconds=5)  # type: ignore[arg-type]
    keeper.hold([message("a")], 4)
    keeper.hand_out([message("b"), message("c")], 4, owner=None)
    stats = keeper.statistics()
    assert (stats.held, stats.handed_out) == (1, 2)


async def test_the_heartbeat_ends_when_cancelled_as_its_leases_change() -> None:
    """The source's close cancels the heartbeat once (``OwnedTasks.aclose``); it must end
    even when the cancel lands while a new lease wakes its sleep. It once ran on instead,
    and the delete of a real SQS mapping waited for the source's close for ever."""
    for turns in range(TURNS):
        clock, api = FakeClock(), RecordingApi()
        keeper = VisibilityKeeper(api, clock, batch_seconds=BATCH_SECONDS)  # type: ignore[arg-type]
        tasks = OwnedTasks()
        heartbeat = tasks.spawn(keeper.run())
        keeper.hold([message("held")], 30)  # the heartbeat sleeps until it is due
        await settle()
        keeper.hold([message("new")], 30)  # wakes the sleep
        for _ in range(turns):
            await asyncio.sleep(0)
        closing = asyncio.ensure_future(tasks.aclose(cancel=True))
        await settle()
        assert heartbeat.done(), f"cancel swallowed after {turns} turns"
        assert closing.done()
        await closing
