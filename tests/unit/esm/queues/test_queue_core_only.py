"""A queue mapping over a source with ONLY the core: no visibility timeout, no receipt
handles, no ready wait, no FIFO groups, no concurrent settles (issue 9's narrow seam).

The source here is what a RabbitMQ- or NATS-like kind would offer: receive a batch,
settle it with successes and failures (it redelivers the failures itself), close.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from engine_driving import drain

from headrace.clock import FakeClock
from headrace.config.model import EventSourceMappingConfig
from headrace.esm.engine import Engine
from headrace.esm.queues.queue_build import build_queue_mapping
from headrace.esm.queues.queue_mapping import QueueMapping
from headrace.esm.queues.queue_reader import read_queue, return_now
from headrace.sources.kinds.sqs_family import SqsRecordShape
from headrace.sources.source_seam import capabilities
from headrace.testing import CoreOnlyQueue
from headrace.testing.memory_functions import InMemoryFunctionRuntime
from headrace.testing.memory_queue_source import InMemoryQueueSource

ARN = "arn:aws:sqs:us-east-1:000000000000:plain"


@dataclass(frozen=True)
class CoreOnlyBinding:
    """Drained when no batch is in flight and the fake holds nothing (it has no depth)."""

    mapping: QueueMapping
    source: CoreOnlyQueue

    async def drained(self) -> bool:
        busy = self.mapping.statistics().in_flight_batches
        return not busy and not self.source.pending and not self.source.in_flight


def run_over(
    source: CoreOnlyQueue, handler: Any, **mapping: Any
) -> tuple[Engine, QueueMapping, InMemoryFunctionRuntime, FakeClock]:
    clock = FakeClock()
    runtime = InMemoryFunctionRuntime("consume", handler, concurrency=5)
    config = EventSourceMappingConfig.from_aws(
        {"FunctionName": "consume", "EventSourceArn": ARN, **mapping}
    )
    built = build_queue_mapping(
        config,
        source,
        runtime,
        clock=clock,
        shape=SqsRecordShape(ARN, "us-east-1"),
        function_timeout=3,
        function_concurrency=5,
    )
    return Engine([CoreOnlyBinding(built, source)], clock=clock), built, runtime, clock


def test_the_fake_has_only_the_core() -> None:
    assert capabilities(CoreOnlyQueue(ARN)) == {"core"}


async def test_a_mapping_drains_a_core_only_source() -> None:
    """§4.1.1: every message is invoked once and settled as a success; nothing is lost."""
    source = CoreOnlyQueue(ARN)
    bodies = [f"m{i}" for i in range(25)]
    for body in bodies:
        source.send(body)
    engine, mapping, runtime, clock = run_over(source, lambda event, context: None, BatchSize=10)
    result = await drain(engine, clock, step=1.0, limit=200)
    assert result.drained
    assert sorted(source.acked) == sorted(bodies)
    assert source.nacked == []
    assert set(source.deliveries.values()) == {1}
    invoked = [r["body"] for event in runtime.invocations for r in event["Records"]]
    assert sorted(invoked) == sorted(bodies)
    assert mapping.statistics().deleted == 25


async def test_partial_batch_failures_are_settled_as_failures() -> None:
    """§3.5.5: reported messages are not settled as done; a source without visibility
    timeouts is told they failed and redelivers them; the rest are done. Nothing is lost."""
    source = CoreOnlyQueue(ARN)
    for body in ("a", "b", "c", "d"):
        source.send(body)
    failed_once: set[str] = set()

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failures = []
        for record in event["Records"]:
            if record["body"] in ("b", "d") and record["body"] not in failed_once:
                failed_once.add(record["body"])
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    engine, _, runtime, clock = run_over(
        source, handler, BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"]
    )
    result = await drain(engine, clock, step=1.0, limit=200)
    assert result.drained
    assert sorted(source.nacked) == ["b", "d"]
    assert sorted(source.acked) == ["a", "b", "c", "d"]
    assert source.deliveries == Counter({"a": 1, "b": 2, "c": 1, "d": 2})
    first = [r["body"] for r in runtime.invocations[0]["Records"]]
    assert first == ["a", "b", "c", "d"]


async def test_a_function_error_settles_the_whole_batch_as_failed() -> None:
    """§4.1.1: on an error nothing is done; the core-only source is told every message
    failed, redelivers them, and the retry succeeds."""
    source = CoreOnlyQueue(ARN)
    for body in ("x", "y"):
        source.send(body)
    calls: list[list[str]] = []

    def flaky(event: dict[str, Any], context: Any) -> None:
        calls.append([r["body"] for r in event["Records"]])
        if len(calls) == 1:
            raise RuntimeError("boom")

    engine, _, _, clock = run_over(source, flaky, BatchSize=10)
    result = await drain(engine, clock, step=1.0, limit=200)
    assert result.drained
    assert calls[0] == ["x", "y"]
    assert sorted(source.nacked) == ["x", "y"]
    assert sorted(source.acked) == ["x", "y"]


async def test_the_reader_falls_back_on_the_core_where_a_capability_is_absent() -> None:
    """Checked once at build: no visibility (failures are settled), no FIFO groups, settles
    before the next receive; a stop's hand-back settles the messages as failed."""
    source = CoreOnlyQueue(ARN)
    source.send("m")
    reader = read_queue(source, FakeClock())
    assert (reader.visibility_timeout, reader.settle_failures) == (None, True)
    assert (reader.fifo, reader.concurrent_settles) == (False, False)
    received = await reader.receive(10, wait_seconds=0, visibility_timeout=60)
    await return_now(reader, received)
    assert source.nacked == ["m"]
    assert [m.body for m in source.pending] == ["m"]


def test_an_sqs_shaped_source_keeps_its_own_calls() -> None:
    """The hot path of an SQS-shaped source is its own bound methods, as before the seam."""
    queue = InMemoryQueueSource(ARN, clock=FakeClock(), visibility_timeout=45)
    reader = read_queue(queue, FakeClock())
    assert reader.receive == queue.receive
    assert reader.wait_ready == queue.wait_visible
    assert (reader.visibility_timeout, reader.settle_failures) == (45, False)
    assert reader.concurrent_settles
