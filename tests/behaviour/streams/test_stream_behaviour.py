"""Stream mapping behaviours, the same on every kind of stream (see conftest.STREAM_KINDS)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from stream_backends import StreamBackend, value_of

from headrace.clock import SystemClock
from headrace.config.model import EventSourceMappingConfig
from headrace.esm.engine import Engine, StreamBinding
from headrace.esm.streams.stream_build import build_stream_mapping
from headrace.state.memory_state import MemoryCheckpoints, memory_checkpoints
from headrace.testing.memory_functions import InMemoryFunctionRuntime

pytestmark = pytest.mark.timeout(90)

FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:consume"
DESTINATION_ARN = "arn:aws:sqs:us-east-1:000000000000:failures"
# Bound on one run until drained: a hang fails the test instead of blocking the suite.
RUN_TIMEOUT = 40.0


@dataclass
class Recorder:
    """An on-failure destination that keeps the records it was sent."""

    arn: str = DESTINATION_ARN
    bodies: list[dict[str, Any]] = field(default_factory=list)

    async def send(self, body: str) -> None:
        self.bodies.append(json.loads(body))


@dataclass
class Run:
    runtime: InMemoryFunctionRuntime
    store: MemoryCheckpoints
    destination: Recorder
    uuid: str

    def batches(self) -> list[list[str]]:
        return [[value_of(r) for r in e["Records"]] for e in self.runtime.invocations]

    def delivered(self) -> list[str]:
        out: list[str] = []
        for event, result in zip(self.runtime.invocations, self.runtime.results, strict=True):
            if result.ok:
                out += [value_of(r) for r in event["Records"]]
        return out


async def run_until_drained(
    stream: StreamBackend, handler: Callable[[dict[str, Any], Any], Any], **fields: Any
) -> Run:
    runtime = InMemoryFunctionRuntime("consume", handler, concurrency=10)
    store = memory_checkpoints()
    destination = Recorder()
    config = EventSourceMappingConfig.from_aws(
        {
            "FunctionName": "consume",
            "EventSourceArn": stream.source.arn,
            "StartingPosition": "TRIM_HORIZON",
            "DestinationConfig": {"OnFailure": {"Destination": DESTINATION_ARN}},
            **fields,
        }
    )

    clock = SystemClock()
    built = build_stream_mapping(
        config,
        stream.source,
        runtime,
        shape=stream.shape,
        store=store,
        clock=clock,
        function_arn=FUNCTION_ARN,
        destination=destination,
    )
    result = await asyncio.wait_for(
        Engine([StreamBinding(built)], clock=clock).run(until_drained=True), RUN_TIMEOUT
    )
    assert result.drained
    return Run(runtime, store, destination, config.uuid)


def failing_on(*poison: str) -> Callable[[dict[str, Any], Any], Any]:
    def handler(event: dict[str, Any], context: Any) -> None:
        if any(value_of(r) in poison for r in event["Records"]):
            raise RuntimeError("poison")

    return handler


def ok(event: dict[str, Any], context: Any) -> None:
    return None


async def test_success_advances_the_checkpoint(stream: StreamBackend) -> None:
    """§7.3: every record is delivered once, and the shard checkpoints at the last one."""
    for value in ("a", "b", "c"):
        stream.put(value, value)
    run = await run_until_drained(stream, ok)
    assert sorted(run.delivered()) == ["a", "b", "c"]
    (shard,) = await stream.source.list_shards()
    saved = (await run.store.load(run.uuid)).positions
    last = run.runtime.invocations[-1]["Records"][-1]
    sequence = (
        last["kinesis"]["sequenceNumber"]
        if "kinesis" in last
        else last["dynamodb"]["SequenceNumber"]
    )
    assert saved[shard.shard_id] == sequence


async def test_retries_then_sends_to_the_destination(stream: StreamBackend) -> None:
    """§4.2.4, §4.2.7: N retries (N+1 invocations), then the on-failure record, then on."""
    stream.put("bad", "bad")
    stream.put("good", "good")
    run = await run_until_drained(stream, failing_on("bad"), MaximumRetryAttempts=1, BatchSize=1)
    assert run.batches() == [["bad"], ["bad"], ["good"]]
    (record,) = run.destination.bodies
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"


async def test_bisect_isolates_the_poison_record(stream: StreamBackend) -> None:
    """§4.2.6: halves are retried until the poison record alone is given up."""
    for value in ("a", "b", "poison", "d"):
        stream.put(value, value)
    run = await run_until_drained(
        stream,
        failing_on("poison"),
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=0,
        BatchSize=4,
        MaximumBatchingWindowInSeconds=1,
    )
    assert sorted(run.delivered()) == ["a", "b", "d"]
    (record,) = run.destination.bodies
    info = next(v for k, v in record.items() if k.endswith("BatchInfo"))
    assert info["batchSize"] == 1


async def test_order_holds_per_key_across_lanes(stream: StreamBackend) -> None:
    """§5.2: with ParallelizationFactor 2 each key's records arrive in order."""
    for index in range(4):
        stream.put("x", f"x{index}")
        stream.put("y", f"y{index}")
    run = await run_until_drained(stream, ok, ParallelizationFactor=2, BatchSize=2)
    delivered = run.delivered()
    for key in ("x", "y"):
        mine = [v for v in delivered if v.startswith(key)]
        assert mine == [f"{key}{i}" for i in range(4)]
