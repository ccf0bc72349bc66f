"""Invoking real handler files in worker processes: results, errors, warm reuse."""

from __future__ import annotations

import json

from headrace.functions.function_seam import InvocationStatus


async def test_sync_handler_returns_its_value_as_json(make_runtime, invoke_once):
    """§3: the handler gets the event and its return value comes back as JSON bytes."""
    runtime = make_runtime("handlers.echo")
    result = await invoke_once(runtime, {"Records": [{"body": "hi"}]}, request_id="req-1")
    assert result.status is InvocationStatus.SUCCESS
    assert json.loads(result.payload) == {"Records": [{"body": "hi"}]}
    assert result.request_id == "req-1"


async def test_none_return_value_is_json_null(make_runtime, invoke_once):
    """A handler that returns None answers ``null``, as Lambda does."""
    runtime = make_runtime("handlers.echo")
    async with runtime.reserve() as slot:
        result = await slot.invoke(b"null")
    assert result.payload == b"null"


async def test_async_handler_is_awaited_on_one_loop_per_worker(make_runtime, invoke_once):
    """An ``async def`` handler is awaited; its event loop lives as long as the worker."""
    runtime = make_runtime("handlers.async_echo")
    first = json.loads((await invoke_once(runtime, {"n": 1})).payload)
    second = json.loads((await invoke_once(runtime, {"n": 2})).payload)
    assert first["event"] == {"n": 1}
    assert second["event"] == {"n": 2}
    assert first["loop"] == second["loop"]


async def test_worker_stays_warm_and_keeps_module_state(make_runtime, invoke_once):
    """Workers are reused: module-level state persists between invocations, as on Lambda."""
    runtime = make_runtime("handlers.count")
    results = [json.loads((await invoke_once(runtime)).payload) for _ in range(3)]
    assert [r["calls"] for r in results] == [1, 2, 3]
    assert len({r["pid"] for r in results}) == 1
    assert runtime.statistics().workers == 1


async def test_raised_exception_is_a_handler_error_with_lambdas_error_object(
    make_runtime, invoke_once
):
    """§4.2.17: an exception is a function error carrying Lambda's error object."""
    runtime = make_runtime("handlers.boom")
    result = await invoke_once(runtime, {"n": 7}, request_id="req-boom")
    assert result.status is InvocationStatus.HANDLER_ERROR
    assert result.error["errorMessage"] == "boom: 7"
    assert result.error["errorType"] == "ValueError"
    assert result.error["requestId"] == "req-boom"
    assert len(result.error["stackTrace"]) == 1
    assert "in boom" in result.error["stackTrace"][0]


async def test_worker_survives_a_raised_exception(make_runtime, invoke_once):
    """A handler exception does not cost the worker: the next invocation reuses it."""
    runtime = make_runtime("handlers.boom")
    await invoke_once(runtime, {"n": 1})
    pids = runtime.worker_pids()
    await invoke_once(runtime, {"n": 2})
    assert runtime.worker_pids() == pids


async def test_unserialisable_return_value_is_a_marshal_error(make_runtime, invoke_once):
    """§4.2.17: a return value JSON cannot encode is Runtime.MarshalError, a function error."""
    runtime = make_runtime("handlers.unserialisable")
    result = await invoke_once(runtime)
    assert result.status is InvocationStatus.HANDLER_ERROR
    assert result.error["errorType"] == "Runtime.MarshalError"
    assert result.error["errorMessage"] == (
        "Unable to marshal response: Object of type set is not JSON serializable"
    )


async def test_response_over_6_mb_is_a_function_error(make_runtime, invoke_once):
    """§2.1: a response over the 6 MB quota is Function.ResponseSizeTooLarge."""
    runtime = make_runtime("handlers.huge_response")
    result = await invoke_once(runtime)
    assert result.status is InvocationStatus.HANDLER_ERROR
    assert result.error["errorType"] == "Function.ResponseSizeTooLarge"


async def test_payload_of_exactly_6_mb_is_delivered(make_runtime):
    """§2.1: a payload of exactly 6,291,456 bytes is within the quota and reaches the handler."""
    runtime = make_runtime("handlers.size")
    overhead = len(b'{"data": ""}')
    payload = b'{"data": "' + b"x" * (6_291_456 - overhead) + b'"}'
    assert len(payload) == 6_291_456
    async with runtime.reserve() as slot:
        result = await slot.invoke(payload)
    assert result.status is InvocationStatus.SUCCESS
    assert json.loads(result.payload) == 6_291_456 - overhead


async def test_payload_over_6_mb_is_rejected_without_starting_a_worker(make_runtime):
    """§2.1: a payload over 6 MB is not sent; the result says RequestEntityTooLargeException."""
    runtime = make_runtime("handlers.echo")
    async with runtime.reserve() as slot:
        result = await slot.invoke(b'"' + b"x" * 6_291_456 + b'"')
    assert result.status is InvocationStatus.PAYLOAD_TOO_LARGE
    assert result.error["errorType"] == "RequestEntityTooLargeException"
    assert result.error["errorMessage"] == (
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    )
    assert runtime.statistics().workers == 0
    assert runtime.statistics().invocations == 0


async def test_statistics_count_invocations_and_errors(make_runtime, invoke_once):
    """Invocations and errors are counted as Lambda's Invocations and Errors metrics."""
    runtime = make_runtime("handlers.boom")
    await invoke_once(runtime, {"n": 1})
    await invoke_once(runtime, {"n": 2})
    stats = runtime.statistics()
    assert (stats.function_name, stats.invocations, stats.errors) == ("fn", 2, 2)
    assert stats.concurrent_executions == 0


async def test_request_id_is_generated_when_not_given(make_runtime, invoke_once):
    """Without a request id the runtime makes a UUID, as Lambda does."""
    runtime = make_runtime("handlers.echo")
    result = await invoke_once(runtime)
    assert len(result.request_id) == 36
    assert result.request_id.count("-") == 4
