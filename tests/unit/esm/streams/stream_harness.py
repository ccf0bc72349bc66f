"""Helpers of the stream engine tests: a harness over in-memory fakes with a fake clock."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine_driving import drain, settle

from headrace.clock import FakeClock
from headrace.config.model import EventSourceMappingConfig
from headrace.errors import BrokerError
from headrace.esm.engine import Engine, RunResult, StreamBinding
from headrace.esm.streams.stream_build import build_stream_mapping
from headrace.esm.streams.stream_mapping import StreamMapping
from headrace.sources.kinds.record_shapes import KinesisShape
from headrace.state.memory_state import MemoryCheckpoints, memory_checkpoints
from headrace.testing.memory_functions import InMemoryFunctionRuntime
from headrace.testing.memory_stream_source import InMemoryStreamSource

STREAM_ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/clicks"
DESTINATION_ARN = "arn:aws:sqs:us-east-1:000000000000:failures"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:process-clicks"
ROLE_ARN = "arn:aws:iam::000000000000:role/process-clicks-role"


@dataclass
class RecordingDestination:
    """An on-failure destination that keeps what it was sent, or fails when told to."""

    arn: str = DESTINATION_ARN
    bodies: list[str] = field(default_factory=list)
    failing: bool = False

    async def send(self, body: str) -> None:
        if self.failing:
            raise BrokerError("the destination is unavailable")
        self.bodies.append(body)

    @property
    def records(self) -> list[dict[str, Any]]:
        return [json.loads(body) for body in self.bodies]


def data_of(record: dict[str, Any]) -> str:
    """A Kinesis event record's data as text."""
    return base64.b64decode(record["kinesis"]["data"]).decode()


@dataclass
class StreamHarness:
    clock: FakeClock
    source: InMemoryStreamSource
    runtime: InMemoryFunctionRuntime
    store: MemoryCheckpoints
    destination: RecordingDestination
    mapping: StreamMapping
    engine: Engine

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.runtime.invocations

    def batches(self) -> list[list[str]]:
        """The data of every invocation's records, per invocation."""
        return [[data_of(r) for r in event["Records"]] for event in self.events]

    def delivered(self) -> list[str]:
        """Data of records in invocations that succeeded, in invocation order."""
        out: list[str] = []
        for event, result in zip(self.events, self.runtime.results, strict=True):
            if result.ok:
                out += [data_of(r) for r in event["Records"]]
        return out

    def put(self, *items: str, key: str = "k") -> None:
        for item in items:
            self.source.put(item, key)

    async def drain(self, *, step: float = 1.0, limit: int = 3000) -> RunResult:
        """Run until drained, advancing the fake clock ``step`` seconds at a time."""
        return await drain(self.engine, self.clock, step=step, limit=limit)

    async def run_for(self, seconds: float, *, step: float = 1.0) -> None:
        """Run for ``seconds`` of fake time, then stop gracefully."""
        task = asyncio.create_task(self.engine.run())
        elapsed = 0.0
        while elapsed < seconds:
            await settle()
            self.clock.advance(step)
            elapsed += step
        await settle()
        self.engine.stop()
        for _ in range(100):
            await settle()
            if task.done():
                break
        task.result()


MakeStreamHarness = Callable[..., StreamHarness]


def make_stream_harness_factory() -> MakeStreamHarness:
    def make(
        handler: Callable[[dict[str, Any], Any], Any],
        *,
        shards: int = 1,
        concurrency: int = 10,
        source: InMemoryStreamSource | None = None,
        store: MemoryCheckpoints | None = None,
        clock: FakeClock | None = None,
        destination: RecordingDestination | None = None,
        function_name: str = "process-clicks",
        **mapping: Any,
    ) -> StreamHarness:
        clock = clock or (source.clock if source is not None else FakeClock())  # type: ignore[assignment]
        assert isinstance(clock, FakeClock)
        source = source or InMemoryStreamSource(STREAM_ARN, clock=clock, shard_count=shards)
        store = store or memory_checkpoints()
        destination = destination or RecordingDestination()
        runtime = InMemoryFunctionRuntime(function_name, handler, concurrency=concurrency)
        fields = {"StartingPosition": "TRIM_HORIZON", **mapping}
        config = EventSourceMappingConfig.from_aws(
            {"FunctionName": function_name, "EventSourceArn": STREAM_ARN, **fields}
        )
        built = build_stream_mapping(
            config,
            source,
            runtime,
            shape=KinesisShape(STREAM_ARN, "us-east-1", ROLE_ARN),
            store=store,
            clock=clock,
            function_arn=FUNCTION_ARN,
            destination=destination if config.on_failure_destination else None,
        )
        engine = Engine([StreamBinding(built)], clock=clock)
        return StreamHarness(clock, source, runtime, store, destination, built, engine)

    return make
