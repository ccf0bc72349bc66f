"""A live engine over in-memory fakes: a factory that builds queue and stream mappings
for whatever config it is given, as App's does for real parts."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine_driving import settle

from headrace.clock import FakeClock
from headrace.config.model import EventSourceMappingConfig
from headrace.esm.engine import Binding, Engine, MappingBinding, RunResult, StreamBinding
from headrace.esm.lifecycle import MappingState
from headrace.esm.mapping_core import MappingRecord
from headrace.esm.queues.queue_build import build_queue_mapping
from headrace.esm.streams.stream_build import build_stream_mapping
from headrace.sources.kinds.record_shapes import KinesisShape
from headrace.sources.kinds.sqs_family import SqsRecordShape
from headrace.state.memory_state import MemoryCheckpoints, memory_checkpoints
from headrace.testing.memory_functions import InMemoryFunctionRuntime
from headrace.testing.memory_queue_source import InMemoryQueueSource
from headrace.testing.memory_stream_source import InMemoryStreamSource

QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:orders"
STREAM_ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/clicks"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:{}"
ROLE_ARN = "arn:aws:iam::000000000000:role/process-role"

Handler = Callable[[dict[str, Any], Any], Any]


def ok(event: dict[str, Any], context: Any) -> None:
    return None


def held() -> tuple[Handler, asyncio.Event]:
    """A handler that runs until the event is set: a batch kept in flight."""
    release = asyncio.Event()

    async def slow(event: dict[str, Any], context: Any) -> None:
        await release.wait()

    return slow, release


@dataclass
class LiveRig:
    """One fake queue, one fake stream, functions by name, and an engine built on them."""

    clock: FakeClock = field(default_factory=FakeClock)
    handlers: dict[str, Handler] = field(default_factory=dict)
    runtimes: dict[str, InMemoryFunctionRuntime] = field(default_factory=dict)
    store: MemoryCheckpoints = field(default_factory=memory_checkpoints)
    # Every state a mapping passed through, by UUID, in order.
    states: dict[str, list[str]] = field(default_factory=dict)
    builds: int = 0

    def __post_init__(self) -> None:
        self.queue = InMemoryQueueSource(QUEUE_ARN, clock=self.clock, visibility_timeout=30)
        self.stream = InMemoryStreamSource(STREAM_ARN, clock=self.clock, shard_count=1)
        self.engine = Engine(factory=self.binding, clock=self.clock)
        self.task: asyncio.Task[RunResult] | None = None

    def runtime(self, name: str) -> InMemoryFunctionRuntime:
        if name not in self.runtimes:
            self.runtimes[name] = InMemoryFunctionRuntime(
                name, self.handlers.get(name, ok), concurrency=10
            )
        return self.runtimes[name]

    def binding(self, config: EventSourceMappingConfig, record: MappingRecord) -> Binding:
        """The factory the engine calls on create and on every update."""
        self.builds += 1
        if config.uuid not in self.states:
            self.states[config.uuid] = [record.lifecycle.state.value]
            record.lifecycle.listeners.append(
                lambda state, reason: self.states[config.uuid].append(state.value)
            )
        runtime = self.runtime(config.function_name)
        if config.event_source_arn == QUEUE_ARN:
            built = build_queue_mapping(
                config,
                self.queue,
                runtime,
                clock=self.clock,
                shape=SqsRecordShape(QUEUE_ARN, "us-east-1"),
                function_timeout=3,
                function_concurrency=10,
                record=record,
            )
            return MappingBinding(built, self.queue)
        stream = build_stream_mapping(
            config,
            self.stream,
            runtime,
            shape=KinesisShape(STREAM_ARN, "us-east-1", ROLE_ARN),
            store=self.store,
            clock=self.clock,
            function_arn=FUNCTION_ARN.format(config.function_name),
            record=record,
        )
        return StreamBinding(stream)

    def create(self, source_arn: str = QUEUE_ARN, **fields: Any) -> str:
        """Create a mapping of ``process`` (or FunctionName) on a source; its UUID."""
        data = {"FunctionName": "process", "EventSourceArn": source_arn, **fields}
        if source_arn == STREAM_ARN:
            data.setdefault("StartingPosition", "TRIM_HORIZON")
        return self.engine.create(EventSourceMappingConfig.from_aws(data)).uuid

    def start(self, *, until_drained: bool = False) -> None:
        self.task = asyncio.create_task(self.engine.run(until_drained=until_drained))

    async def turn(self, seconds: float = 0.0) -> None:
        """Let the loop run, then move the fake clock on by ``seconds``."""
        await settle()
        if seconds:
            self.clock.advance(seconds)
            await settle()

    async def stop(self) -> RunResult:
        assert self.task is not None
        self.engine.stop()
        for _ in range(50):
            await settle()
            if self.task.done():
                return self.task.result()
        raise AssertionError("the engine did not stop")

    def state(self, uuid: str) -> MappingState:
        return self.engine.get(uuid).state

    def kinesis_data(self, name: str = "process") -> list[str]:
        """The data of every record the function was invoked with, in order."""
        return [
            base64.b64decode(r["kinesis"]["data"]).decode()
            for event in self.runtime(name).invocations
            for r in event["Records"]
        ]

    def queue_batches(self, name: str = "process") -> list[list[str]]:
        return [[r["body"] for r in e["Records"]] for e in self.runtime(name).invocations]
