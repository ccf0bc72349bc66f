"""The drain check of a queue source without depth: what the mapping saw (issue 9).

Drained means: the last receive came back empty, it started after the last settle ended,
and nothing received is still unsettled. A failure settled (nacked) while a receive ran may
be back in the source already, so that receive's empty answer proves nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import pytest
from engine_driving import drain

from headrace.clock import FakeClock
from headrace.config.model import EventSourceMappingConfig
from headrace.esm.bindings import MappingBinding
from headrace.esm.engine import Engine
from headrace.esm.queues.queue_build import build_queue_mapping
from headrace.esm.queues.queue_reader import read_queue
from headrace.esm.queues.quiet_watch import QuietWatch
from headrace.events import QueueMessage
from headrace.sources.kinds.sqs_family import SqsRecordShape
from headrace.sources.source_seam import Settlement
from headrace.testing.memory_functions import InMemoryFunctionRuntime
from headrace.testing.memory_queue_source import InMemoryQueueSource

ARN = "arn:headrace:demo:plain"


def message(body: str) -> QueueMessage:
    md5 = hashlib.md5(body.encode()).hexdigest()
    return QueueMessage(body, "", body, md5, {})


async def received(*bodies: str) -> list[QueueMessage]:
    return [message(b) for b in bodies]


async def settled(count: int) -> int:
    return count


async def test_a_mapping_that_has_not_received_is_not_quiet() -> None:
    assert not QuietWatch().quiet()


async def test_quiet_after_everything_is_settled_and_a_receive_comes_back_empty() -> None:
    watch = QuietWatch()
    batch = await watch.receive(received("a", "b"))
    assert not watch.quiet()
    settle = watch.settling(lambda s: settled(len(s.succeeded)))
    await settle(Settlement(succeeded=batch[:1], failed=batch[1:]))
    assert not watch.quiet(), "no receive since the nack: 'b' may be back in the source"
    await watch.receive(received())
    assert watch.quiet()
    await watch.receive(received("b"))
    assert not watch.quiet(), "'b' came back and is held"


async def test_an_empty_receive_that_ran_while_a_failure_was_settled_proves_nothing() -> None:
    """The race the version guards: lane A nacks while lane B's receive is running."""
    watch = QuietWatch()
    batch = await watch.receive(received("a"))
    answer: asyncio.Future[list[QueueMessage]] = asyncio.get_running_loop().create_future()
    lane_b = asyncio.create_task(watch.receive(answer))
    await asyncio.sleep(0)
    await watch.settling(lambda s: settled(0))(Settlement(succeeded=(), failed=batch))
    answer.set_result([])  # B looked before the nack landed
    await lane_b
    assert not watch.quiet()
    await watch.receive(received())
    assert watch.quiet()


async def test_a_receive_or_settle_under_way_is_not_quiet() -> None:
    watch = QuietWatch()
    await watch.receive(received())
    assert watch.quiet()
    answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    running = asyncio.create_task(watch.settling(lambda s: answer)(Settlement(succeeded=())))
    await asyncio.sleep(0)
    assert not watch.quiet()
    answer.set_result(0)
    await running
    assert not watch.quiet(), "a settle ended after the last empty receive"


async def test_a_settle_that_failed_leaves_its_items_held() -> None:
    """The source may still hold them as received: never drained, a deadline reports it."""
    watch = QuietWatch()
    batch = await watch.receive(received("a"))

    async def broken(settlement: Settlement) -> int:
        raise ConnectionError("gone")

    with pytest.raises(ConnectionError):
        await watch.settling(broken)(Settlement(succeeded=batch))
    await watch.receive(received())
    assert watch.held == 1
    assert not watch.quiet()


async def test_a_hand_back_releases_what_it_returns() -> None:
    watch = QuietWatch()
    batch = await watch.receive(received("a", "b"))

    async def give_back(messages: Any) -> None:
        return None

    await watch.giving_back(give_back)(batch)
    await watch.receive(received())
    assert watch.quiet()


def test_only_a_source_without_depth_is_watched() -> None:
    """SQS-shaped sources report depth and keep their own calls (the hot path)."""
    assert read_queue(InMemoryQueueSource(ARN, clock=FakeClock()), FakeClock()).quiet is None


class NackQueue:
    """Only the core: pending messages; a nack puts one back at the end."""

    arn = ARN

    def __init__(self, bodies: list[str]) -> None:
        self.pending = [message(b) for b in bodies]
        self.acked: list[str] = []
        self.deliveries: dict[str, int] = {}

    async def receive_batch(self, max_items: int, *, wait_seconds: float) -> list[QueueMessage]:
        batch, self.pending = self.pending[:max_items], self.pending[max_items:]
        for m in batch:
            self.deliveries[m.body] = self.deliveries.get(m.body, 0) + 1
        return batch

    async def settle(self, settlement: Settlement) -> int:
        self.acked += [m.body for m in settlement.succeeded]
        self.pending += settlement.failed
        return len(settlement.succeeded)

    async def aclose(self) -> None:
        return None


async def test_the_binding_drains_a_source_without_depth_only_after_a_retry() -> None:
    """§4.1.1: a function error settles the batch as failed; the source redelivers it and
    the run is not drained before the retry succeeded. Nothing is lost."""
    source = NackQueue(["x", "y", "z"])
    calls: list[list[str]] = []

    def flaky(event: dict[str, Any], context: Any) -> None:
        calls.append([r["body"] for r in event["Records"]])
        if len(calls) == 1:
            raise RuntimeError("boom")

    clock = FakeClock()
    config = EventSourceMappingConfig.from_aws(
        {"FunctionName": "fn", "EventSourceArn": ARN, "BatchSize": 10}
    )
    built = build_queue_mapping(
        config,
        source,
        InMemoryFunctionRuntime("fn", flaky, concurrency=5),
        clock=clock,
        shape=SqsRecordShape(ARN, "us-east-1"),
        function_timeout=3,
        function_concurrency=5,
    )
    result = await drain(
        Engine([MappingBinding(built, source)], clock=clock), clock, step=1.0, limit=100
    )
    assert result.drained
    assert calls[0] == ["x", "y", "z"]
    assert sorted(calls[-1]) == ["x", "y", "z"]
    assert sorted(source.acked) == ["x", "y", "z"]
    assert source.deliveries == {"x": 2, "y": 2, "z": 2}
