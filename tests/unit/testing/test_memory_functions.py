"""The in-memory function runtime (headrace.testing): the process contract, no processes."""

from __future__ import annotations

import asyncio
import json

from headrace.functions.function_seam import InvocationStatus
from headrace.testing.memory_functions import (
    InMemoryFunctionRuntime,
    SimulatedCrash,
    SimulatedTimeout,
)


async def invoke(runtime: InMemoryFunctionRuntime, event=None, **kwargs):
    async with runtime.reserve() as slot:
        return await slot.invoke(json.dumps(event or {}).encode(), **kwargs)


async def test_records_every_event_and_returns_the_value():
    """The fake records decoded events and returns the handler's value as JSON."""
    runtime = InMemoryFunctionRuntime("fn", lambda event, context: {"got": event["n"]})
    result = await invoke(runtime, {"n": 1})
    await invoke(runtime, {"n": 2})
    assert json.loads(result.payload) == {"got": 1}
    assert runtime.invocations == [{"n": 1}, {"n": 2}]


async def test_async_handler_is_awaited():
    """Async handlers work in the fake as in the process runtime."""

    async def handler(event, context):
        await asyncio.sleep(0)
        return context.aws_request_id

    result = await invoke(InMemoryFunctionRuntime("fn", handler), request_id="r-1")
    assert json.loads(result.payload) == "r-1"


async def test_exception_gives_the_same_error_object_as_a_worker():
    """§4.2.17: a raised exception is HANDLER_ERROR with Lambda's error object."""

    def handler(event, context):
        raise KeyError("missing")

    result = await invoke(InMemoryFunctionRuntime("fn", handler), request_id="r-2")
    assert result.status is InvocationStatus.HANDLER_ERROR
    assert result.error["errorType"] == "KeyError"
    assert result.error["requestId"] == "r-2"
    assert "in handler" in result.error["stackTrace"][0]


async def test_simulated_timeout_and_crash():
    """Marker exceptions simulate the failures only a worker process can have."""

    def handler(event, context):
        raise SimulatedTimeout() if event["kind"] == "timeout" else SimulatedCrash(-11)

    runtime = InMemoryFunctionRuntime("fn", handler, timeout=5)
    timed_out = await invoke(runtime, {"kind": "timeout"}, request_id="t")
    crashed = await invoke(runtime, {"kind": "crash"}, request_id="c")
    assert timed_out.status is InvocationStatus.TIMEOUT
    assert (
        timed_out.error["errorMessage"] == "RequestId: t Error: Task timed out after 5.00 seconds"
    )
    assert crashed.status is InvocationStatus.CRASHED
    assert crashed.error["errorMessage"].endswith("signal: segmentation fault")
    assert runtime.statistics().errors == 2


async def test_unserialisable_return_value_is_a_marshal_error():
    """The fake marshals like the worker: a set is Runtime.MarshalError."""
    result = await invoke(InMemoryFunctionRuntime("fn", lambda e, c: {1}))
    assert result.error["errorType"] == "Runtime.MarshalError"


async def test_context_carries_lambdas_fields():
    """The fake's context has the same fields as a worker's."""
    seen = {}

    def handler(event, context):
        seen.update(
            name=context.function_name,
            arn=context.invoked_function_arn,
            memory=context.memory_limit_in_mb,
            remaining=context.get_remaining_time_in_millis(),
        )

    await invoke(InMemoryFunctionRuntime("fn", handler, memory_size=512, timeout=3))
    assert seen["name"] == "fn"
    assert seen["arn"] == "arn:aws:lambda:us-east-1:000000000000:function:fn"
    assert seen["memory"] == "512"
    assert 0 < seen["remaining"] <= 3000


async def test_concurrency_limit_and_throttles():
    """try_reserve past the limit is a throttle, as in the process runtime."""
    runtime = InMemoryFunctionRuntime("fn", lambda e, c: None, concurrency=1)
    async with runtime.reserve():
        assert runtime.try_reserve() is None
    assert runtime.statistics().throttles == 1
    assert runtime.statistics().concurrency_limit == 1


async def test_payload_over_6_mb_is_rejected():
    """§2.1: the fake refuses payloads over 6 MB as the process runtime does."""
    runtime = InMemoryFunctionRuntime("fn", lambda e, c: None)
    async with runtime.reserve() as slot:
        result = await slot.invoke(b" " * 6_291_457)
    assert result.status is InvocationStatus.PAYLOAD_TOO_LARGE
    assert runtime.invocations == []
