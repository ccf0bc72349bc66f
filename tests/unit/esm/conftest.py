"""A harness that runs queue mappings over in-memory fakes with a fake clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from engine_driving import drain

from headrace.clock import FakeClock
from headrace.config.model import EventSourceMappingConfig
from headrace.esm.engine import Engine, MappingBinding, RunResult
from headrace.esm.queues.queue_build import build_queue_mapping
from headrace.esm.queues.queue_mapping import QueueMapping
from headrace.sources.kinds.sqs_family import SqsRecordShape
from headrace.testing.memory_functions import InMemoryFunctionRuntime
from headrace.testing.memory_queue_source import InMemoryQueueSource

QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:orders"
DLQ_ARN = "arn:aws:sqs:us-east-1:000000000000:orders-dlq"


@dataclass
class Harness:
    clock: FakeClock
    queue: InMemoryQueueSource
    dlq: InMemoryQueueSource
    runtime: InMemoryFunctionRuntime
    mapping: QueueMapping
    engine: Engine

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.runtime.invocations

    def bodies_per_batch(self) -> list[list[str]]:
        return [[r["body"] for r in e["Records"]] for e in self.events]

    async def drain(self, *, step: float = 1.0, limit: int = 2000) -> RunResult:
        """Run until drained, advancing the fake clock ``step`` seconds at a time."""
        return await drain(self.engine, self.clock, step=step, limit=limit)


MakeHarness = Callable[..., Harness]


@pytest.fixture
def make_harness() -> MakeHarness:
    def make(
        handler: Callable[[dict[str, Any], Any], Any],
        *,
        fifo: bool = False,
        max_receive_count: int | None = 3,
        visibility_timeout: int = 30,
        concurrency: int = 10,
        function_timeout: int = 3,
        **mapping: Any,
    ) -> Harness:
        clock = FakeClock()
        dlq = InMemoryQueueSource(DLQ_ARN, clock=clock, fifo=fifo)
        queue = InMemoryQueueSource(
            QUEUE_ARN,
            clock=clock,
            fifo=fifo,
            visibility_timeout=visibility_timeout,
            max_receive_count=max_receive_count,
            dead_letter_queue=dlq,
        )
        runtime = InMemoryFunctionRuntime("process-orders", handler, concurrency=concurrency)
        config = EventSourceMappingConfig.from_aws(
            {"FunctionName": "process-orders", "EventSourceArn": QUEUE_ARN, **mapping}
        )
        built = build_queue_mapping(
            config,
            queue,
            runtime,
            clock=clock,
            shape=SqsRecordShape(QUEUE_ARN, "us-east-1"),
            function_timeout=function_timeout,
            function_concurrency=concurrency,
        )
        engine = Engine([MappingBinding(built, queue)], clock=clock)
        return Harness(clock, queue, dlq, runtime, built, engine)

    return make
