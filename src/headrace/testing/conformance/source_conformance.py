"""The queue-like source seam (:class:`~headrace.sources.source_seam.SourceCore` and the
queue capabilities) as pytest test classes.

A queue source kind passes by running :class:`TestQueueSourceCore` (every source) and
:class:`TestQueueSourceCapabilities` (each capability the source declares; a test of a
capability the source lacks skips) with a ``queue_source_factory`` fixture: an async
context manager factory that opens one fresh queue and yields a :class:`QueueUnderTest`::

    from headrace.testing.conformance.source_conformance import (
        QueueUnderTest, TestQueueSourceCapabilities, TestQueueSourceCore,
    )

    @pytest.fixture
    def queue_source_factory() -> QueueSourceFactory:
        @contextlib.asynccontextmanager
        async def open_queue(*, fifo: bool) -> AsyncIterator[QueueUnderTest]:
            source = MySource(...)
            try:
                yield QueueUnderTest(source, send=..., advance=clock.advance)
            finally:
                await source.aclose()
        return open_queue

The engine sees a source only through the seam, so these tests use only the seam: what
a kind adds beyond it (leases, statistics) is its own tests' business. § numbers name the
statements of the reference (lambda-esm.md, §4.1: SQS) a test checks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

import pytest

from headrace.events import QueueMessage
from headrace.sources.source_seam import (
    ConcurrentSettle,
    GroupOrder,
    QueueDepthReport,
    ReadyWait,
    Settlement,
    SourceCore,
    Visibility,
    capabilities,
)

# Real seconds a test waits for something that should happen at once: only a hang or a
# slow remote broker reaches it.
PATIENCE = 5.0

__all__ = [
    "PATIENCE",
    "QueueSourceFactory",
    "QueueUnderTest",
    "TestQueueSourceCapabilities",
    "TestQueueSourceCore",
]


@dataclass(frozen=True)
class QueueUnderTest:
    """One fresh queue, as a source and a way to put messages into it.

    ``send(body, group)`` puts a message (``group``: its FIFO message group, None on a
    standard queue). ``advance(seconds)`` moves the source's injected clock, None when the
    source runs on real time (a remote broker): the suite then ends visibility timeouts
    with ``change_visibility(…, 0)`` instead of waiting for them.
    """

    source: SourceCore
    send: Callable[[str, str | None], Awaitable[None]]
    advance: Callable[[float], None] | None = None


class QueueSourceFactory(Protocol):
    """Opens one fresh queue (``fifo``: a FIFO queue) and closes its source afterwards."""

    def __call__(self, *, fifo: bool) -> AbstractAsyncContextManager[QueueUnderTest]: ...


async def receive(queue: QueueUnderTest, max_items: int = 10) -> list[QueueMessage]:
    """One receive: on a fake clock without waiting (a wait would only end when the test
    advances the clock), on real time a long poll of a second."""
    wait = 0 if queue.advance is not None else 1
    async with asyncio.timeout(PATIENCE * 2):
        return await queue.source.receive_batch(max_items, wait_seconds=wait)


async def receive_all(queue: QueueUnderTest, expected: int) -> list[QueueMessage]:
    """Receive until ``expected`` messages came, or a receive finds none (no more)."""
    got: list[QueueMessage] = []
    while len(got) < expected:
        batch = await receive(queue)
        if not batch:
            break
        got.extend(batch)
    return got


async def make_visible(queue: QueueUnderTest, messages: Sequence[QueueMessage]) -> None:
    """End the visibility timeout of failed ``messages``: on the clock, or by the API."""
    if queue.advance is not None:
        source = queue.source
        visibility = source.visibility_timeout if isinstance(source, Visibility) else 30
        queue.advance(visibility + 1)
    elif isinstance(queue.source, Visibility):
        await queue.source.change_visibility(messages, 0)


def has(queue: QueueUnderTest, capability: str) -> bool:
    return capability in capabilities(queue.source)


def need(queue: QueueUnderTest, capability: str) -> None:
    if not has(queue, capability):
        pytest.skip(f"the source does not declare {capability!r}")


class QueueSourceContract:
    """Gives the tests :meth:`queue`: the factory the test module supplies."""

    @pytest.fixture
    def open_queue(self, queue_source_factory: QueueSourceFactory) -> QueueSourceFactory:
        return queue_source_factory


class TestQueueSourceCore(QueueSourceContract):
    """The core every source has: receive, settle, close."""

    async def test_it_is_a_source_core(self, open_queue: QueueSourceFactory) -> None:
        async with open_queue(fifo=False) as queue:
            assert isinstance(queue.source, SourceCore)
            assert "core" in capabilities(queue.source)
            assert queue.source.arn

    async def test_a_sent_message_is_received(self, open_queue: QueueSourceFactory) -> None:
        """§4.1.1: a message read into a batch carries its body and its receive count."""
        async with open_queue(fifo=False) as queue:
            await queue.send("hello", None)
            [message] = await receive_all(queue, 1)
            assert message.body == "hello"
            assert message.receive_count == 1

    async def test_an_empty_queue_gives_an_empty_batch(
        self, open_queue: QueueSourceFactory
    ) -> None:
        async with open_queue(fifo=False) as queue:
            assert await queue.source.receive_batch(10, wait_seconds=0) == []

    async def test_settled_successes_are_gone_and_counted(
        self, open_queue: QueueSourceFactory
    ) -> None:
        """§4.1.1: success deletes the batch's messages; settle returns how many."""
        async with open_queue(fifo=False) as queue:
            for body in ("a", "b", "c"):
                await queue.send(body, None)
            got = await receive_all(queue, 3)
            assert sorted(m.body for m in got) == ["a", "b", "c"]
            assert await queue.source.settle(Settlement(succeeded=got)) == 3
            await make_visible(queue, got)
            assert await queue.source.receive_batch(10, wait_seconds=0) == []

    async def test_an_empty_settlement_settles_nothing(
        self, open_queue: QueueSourceFactory
    ) -> None:
        async with open_queue(fifo=False) as queue:
            assert await queue.source.settle(Settlement(succeeded=())) == 0

    async def test_failures_come_back_and_successes_do_not(
        self, open_queue: QueueSourceFactory
    ) -> None:
        """§4.1.1, §4.1.2: a failed message is not deleted; it is received again (after
        the visibility timeout) with its receive count raised; a success is not."""
        async with open_queue(fifo=False) as queue:
            await queue.send("good", None)
            await queue.send("bad", None)
            got = await receive_all(queue, 2)
            good = [m for m in got if m.body == "good"]
            bad = [m for m in got if m.body == "bad"]
            settled = await queue.source.settle(Settlement(succeeded=good, failed=bad))
            assert settled == 1
            await make_visible(queue, bad)
            [again] = await receive_all(queue, 1)
            assert again.body == "bad"
            assert again.message_id == bad[0].message_id
            assert again.receive_count == 2

    async def test_nothing_is_lost_or_duplicated_over_a_cycle(
        self, open_queue: QueueSourceFactory
    ) -> None:
        """N messages through receive/settle with some failing once: each body is settled
        exactly once, and the queue ends empty."""
        n = 25
        async with open_queue(fifo=False) as queue:
            for i in range(n):
                await queue.send(f"m{i}", None)
            settled: list[str] = []
            failed_once: set[str] = set()
            async with asyncio.timeout(PATIENCE * 8):
                while len(settled) < n:
                    batch = await receive(queue)
                    if not batch:
                        await make_visible(queue, [])
                        continue
                    fail = [m for m in batch if int(m.body[1:]) % 3 == 0]
                    fail = [m for m in fail if m.body not in failed_once]
                    ok = [m for m in batch if m not in fail]
                    failed_once.update(m.body for m in fail)
                    count = await queue.source.settle(Settlement(succeeded=ok, failed=fail))
                    assert count == len(ok)
                    settled.extend(m.body for m in ok)
                    if fail:
                        await make_visible(queue, fail)
            assert sorted(settled) == sorted(f"m{i}" for i in range(n))
            await make_visible(queue, [])
            assert await queue.source.receive_batch(10, wait_seconds=0) == []

    async def test_aclose_is_clean_and_may_be_repeated(
        self, open_queue: QueueSourceFactory
    ) -> None:
        async with open_queue(fifo=False) as queue:
            await queue.send("left behind", None)
            await queue.source.aclose()
            await queue.source.aclose()


class TestQueueSourceCapabilities(QueueSourceContract):
    """Each capability a source declares does what the engine counts on."""

    async def test_a_failed_message_stays_hidden_until_its_visibility_ends(
        self, open_queue: QueueSourceFactory
    ) -> None:
        """§4.1.1, §4.1.2: retries come after the visibility timeout, not at once."""
        async with open_queue(fifo=False) as queue:
            need(queue, "visibility")
            await queue.send("retry me", None)
            [message] = await receive_all(queue, 1)
            await queue.source.settle(Settlement(succeeded=(), failed=[message]))
            assert await queue.source.receive_batch(10, wait_seconds=0) == []
            await make_visible(queue, [message])
            [again] = await receive_all(queue, 1)
            assert again.message_id == message.message_id

    async def test_change_visibility_zero_makes_a_message_visible_now(
        self, open_queue: QueueSourceFactory
    ) -> None:
        async with open_queue(fifo=False) as queue:
            need(queue, "visibility")
            source = queue.source
            assert isinstance(source, Visibility)
            assert source.visibility_timeout > 0
            await queue.send("now", None)
            wait = 0 if queue.advance is not None else 1
            [message] = await source.receive(1, wait_seconds=wait, visibility_timeout=60)
            assert await source.receive(1, wait_seconds=0) == []
            await source.change_visibility([message], 0)
            [again] = await receive_all(queue, 1)
            assert again.message_id == message.message_id

    async def test_fifo_groups_are_received_in_order(self, open_queue: QueueSourceFactory) -> None:
        """§4.1.7: messages of one group are delivered in order."""
        async with open_queue(fifo=True) as queue:
            need(queue, "group-order")
            assert isinstance(queue.source, GroupOrder)
            assert queue.source.fifo
            sent = {"g1": ["g1-0", "g1-1", "g1-2"], "g2": ["g2-0", "g2-1"]}
            for i in range(3):
                for group, bodies in sent.items():
                    if i < len(bodies):
                        await queue.send(bodies[i], group)
            seen: list[QueueMessage] = []
            async with asyncio.timeout(PATIENCE * 4):
                while len(seen) < 5:
                    batch = await receive(queue)
                    assert await queue.source.settle(Settlement(succeeded=batch)) == len(batch)
                    seen.extend(batch)
            for group, bodies in sent.items():
                assert [m.body for m in seen if m.group_id == group] == bodies

    async def test_a_fifo_group_is_blocked_while_its_message_is_in_flight(
        self, open_queue: QueueSourceFactory
    ) -> None:
        """§4.1.7: no later message of a group is received before the earlier one is
        settled or comes back."""
        async with open_queue(fifo=True) as queue:
            need(queue, "group-order")
            await queue.send("first", "g")
            await queue.send("second", "g")
            [first] = await receive(queue, 1)
            assert first.body == "first"
            assert await queue.source.receive_batch(10, wait_seconds=0) == []
            assert await queue.source.settle(Settlement(succeeded=[first])) == 1
            [second] = await receive_all(queue, 1)
            assert second.body == "second"

    async def test_depth_counts_visible_and_in_flight(self, open_queue: QueueSourceFactory) -> None:
        async with open_queue(fifo=False) as queue:
            need(queue, "depth")
            source = queue.source
            assert isinstance(source, QueueDepthReport)
            for body in ("a", "b", "c"):
                await queue.send(body, None)
            assert (await source.depth()).visible == 3
            [one] = await receive(queue, 1)
            depth = await source.depth()
            assert (depth.visible, depth.in_flight) == (2, 1)
            await source.settle(Settlement(succeeded=[one]))
            depth = await source.depth()
            assert (depth.visible, depth.in_flight) == (2, 0)

    async def test_a_settle_may_run_alongside_the_next_receive(
        self, open_queue: QueueSourceFactory
    ) -> None:
        """With concurrent settles the engine starts a batch's settle, receives the next
        batch, then awaits the settle: both complete and nothing is received twice."""
        async with open_queue(fifo=False) as queue:
            need(queue, "concurrent-settle")
            source = queue.source
            assert isinstance(source, ConcurrentSettle)
            assert source.concurrent_settles
            for body in ("a", "b", "c", "d"):
                await queue.send(body, None)
            first = await receive(queue, 2)
            settling = asyncio.ensure_future(source.settle(Settlement(succeeded=first)))
            second = await receive_all(queue, 4 - len(first))
            async with asyncio.timeout(PATIENCE):
                assert await settling == len(first)
            assert sorted(m.body for m in [*first, *second]) == ["a", "b", "c", "d"]
            assert await source.settle(Settlement(succeeded=second)) == len(second)
            await make_visible(queue, [])
            assert await receive(queue) == []

    async def test_ready_wait_wakes_on_a_send(self, open_queue: QueueSourceFactory) -> None:
        async with open_queue(fifo=False) as queue:
            need(queue, "ready-wait")
            source = queue.source
            assert isinstance(source, ReadyWait)
            waiting = asyncio.ensure_future(source.wait_visible(PATIENCE * 2))
            await asyncio.sleep(0.2)
            assert not waiting.done()  # it waits, it does not return at once
            await queue.send("wake", None)
            async with asyncio.timeout(PATIENCE):
                assert await waiting
            [message] = await receive_all(queue, 1)
            assert message.body == "wake"

    async def test_ready_wait_runs_out_on_an_empty_queue(
        self, open_queue: QueueSourceFactory
    ) -> None:
        async with open_queue(fifo=False) as queue:
            need(queue, "ready-wait")
            source = queue.source
            assert isinstance(source, ReadyWait)
            if queue.advance is None:
                assert not await source.wait_visible(1)
                return
            waiting = asyncio.ensure_future(source.wait_visible(5))
            await asyncio.sleep(0.05)
            assert not waiting.done()
            queue.advance(6)
            async with asyncio.timeout(PATIENCE):
                assert not await waiting
