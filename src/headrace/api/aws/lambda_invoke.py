"""Lambda's Invoke of a declared function, through the same runtime its mappings use.

- ``RequestResponse`` (the default) runs the handler now, in a free unit of the function's
  concurrency (none free: TooManyRequestsException, as Lambda throttles), and answers 200
  with its result; a function error answers 200 too, with ``X-Amz-Function-Error:
  Unhandled`` and Lambda's error payload ``{"errorMessage", "errorType", "stackTrace"}``.
- ``Event`` queues the invocation and answers 202 at once; it runs when a unit of
  concurrency is free. headrace does not retry a failed asynchronous invocation.
- ``DryRun`` checks the function and the payload and answers 204.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec

from headrace.api.aws.aws_call import AwsCall
from headrace.api.aws.lambda_functions import TooManyRequestsException, resolve_function
from headrace.config.model import Config
from headrace.errors import AwsError, InvalidParameterValueException
from headrace.functions.function_seam import (
    FunctionRuntime,
    InvocationResult,
    InvocationStatus,
)
from headrace.owned_tasks import OwnedTasks

# Lambda's payload quotas: 6 MB for a synchronous invocation, 256 KB for an asynchronous one.
SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024
ASYNC_PAYLOAD_LIMIT = 256 * 1024
INVOCATION_TYPES = ("Event", "RequestResponse", "DryRun")


class InvalidRequestContentException(AwsError):
    code = "InvalidRequestContentException"
    http_status = 400


class RequestTooLargeException(AwsError):
    code = "RequestTooLargeException"
    http_status = 413


class Invoker:
    """Runs Invoke calls on a run's function runtimes (``runtime_for(name)``)."""

    def __init__(
        self, config: Config, runtimes: Callable[[str], FunctionRuntime], background: OwnedTasks
    ) -> None:
        self.config = config
        self._runtime_for = runtimes
        self._background = background

    async def invoke(self, call: AwsCall) -> dict[str, Any]:
        """Invoke's output: StatusCode, FunctionError, Payload, ExecutedVersion."""
        params = call.params
        function = resolve_function(self.config, params["FunctionName"], params.get("Qualifier"))
        kind = params.get("InvocationType") or "RequestResponse"
        if kind not in INVOCATION_TYPES:
            raise InvalidParameterValueException(
                f"1 validation error detected: Value '{kind[:80]}' at 'invocationType' failed "
                "to satisfy constraint: Member must satisfy enum value set: "
                "[Event, RequestResponse, DryRun]"
            )
        payload = _checked_payload(params.get("Payload") or b"", kind)
        runtime = self._runtime_for(function.name)
        if kind == "DryRun":
            return {"StatusCode": 204}
        if kind == "Event":
            self._background.spawn(_run_later(runtime, payload), name=f"invoke:{function.name}")
            return {"StatusCode": 202}
        reserved = runtime.try_reserve()
        if reserved is None:
            raise TooManyRequestsException("Rate Exceeded.")
        async with reserved as slot:
            result = await slot.invoke(payload)
        return _answer(result)


def _checked_payload(payload: bytes, kind: str) -> bytes:
    """The event as JSON bytes (``{}`` when none is given); refused as Lambda refuses it."""
    limit = ASYNC_PAYLOAD_LIMIT if kind == "Event" else SYNC_PAYLOAD_LIMIT
    if len(payload) > limit:
        raise RequestTooLargeException(
            f"Request must be smaller than {limit} bytes for the InvokeFunction operation"
        )
    if not payload.strip():
        return b"{}"
    try:
        msgspec.json.decode(payload)
    except msgspec.DecodeError as error:
        raise InvalidRequestContentException(
            f"Could not parse request body into json: Could not parse payload into json: "
            f"{str(error)[:200]}"
        ) from None
    return payload


def _answer(result: InvocationResult) -> dict[str, Any]:
    if result.status is InvocationStatus.PAYLOAD_TOO_LARGE:
        raise RequestTooLargeException(
            f"Request must be smaller than {SYNC_PAYLOAD_LIMIT} bytes for the InvokeFunction "
            "operation"
        )
    if result.ok:
        return {
            "StatusCode": 200,
            "Payload": result.payload or b"null",
            "ExecutedVersion": "$LATEST",
        }
    error = result.error or {"errorMessage": result.status.value, "errorType": "Unhandled"}
    return {
        "StatusCode": 200,
        "FunctionError": "Unhandled",
        "Payload": json.dumps(error).encode(),
        "ExecutedVersion": "$LATEST",
    }


async def _run_later(runtime: FunctionRuntime, payload: bytes) -> None:
    """An Event invocation: waits for a free unit of concurrency, runs once."""
    async with runtime.reserve() as slot:
        await slot.invoke(payload)
