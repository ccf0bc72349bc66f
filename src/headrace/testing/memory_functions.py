"""An in-process function runtime for tests: the engine's function seam with no processes.

A public test double (import it in your own tests): :class:`InMemoryFunctionRuntime`
satisfies :class:`~headrace.functions.function_seam.FunctionRuntime` and runs a Python
callable (sync or async) on the event loop with the same contract as the process runtime:
the same concurrency limit and throttle counting, the same context object, the same error
objects for a raised exception or an unencodable return value. A handler simulates the
failures only a process can have by raising :class:`SimulatedTimeout` or
:class:`SimulatedCrash`.

Every invocation's decoded event is recorded in ``invocations`` so tests can assert what
the engine sent::

    runtime = InMemoryFunctionRuntime("orders", lambda event, context: None)
    async with runtime.reserve() as slot:
        result = await slot.invoke(b'{"Records": []}')
    assert result.ok and runtime.invocations == [{"Records": []}]
"""

from __future__ import annotations

import contextlib
import inspect
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

from headrace import arn as arnlib
from headrace.functions import faults
from headrace.functions.environment import FUNCTION_VERSION, log_group_name, log_stream_name
from headrace.functions.function_seam import FunctionStatistics, InvocationResult, InvocationStatus
from headrace.functions.handler import (
    decode_event,
    encode_response,
    marshal_error,
    unmarshal_error,
)
from headrace.functions.lambda_context import LambdaContext
from headrace.functions.limiter import ConcurrencyLimiter

# The fake's default concurrency: headrace's default for a function without a reserve.
DEFAULT_CONCURRENCY = 10
# Lambda's default Timeout, seconds (only reported in the timeout message here).
DEFAULT_TIMEOUT = 3


class SimulatedTimeout(Exception):
    """Raise from a fake handler to end the invocation as TIMEOUT (``Sandbox.Timedout``)."""


class SimulatedCrash(Exception):
    """Raise from a fake handler to end the invocation as CRASHED (``Runtime.ExitError``).

    ``returncode`` is what the process would have exited with (negative: killed by that
    signal, e.g. -11 for a segfault).
    """

    def __init__(self, returncode: int = 1) -> None:
        super().__init__(f"simulated crash ({faults.describe_exit(returncode)})")
        self.returncode = returncode


class InMemoryFunctionRuntime:
    """A ``FunctionRuntime`` that calls ``handler(event, context)`` in this process."""

    def __init__(
        self,
        name: str,
        handler: Callable[[Any, Any], Any],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        timeout: int = DEFAULT_TIMEOUT,
        memory_size: int = 128,
        region: str = arnlib.DEFAULT_REGION,
        account: str = arnlib.DEFAULT_ACCOUNT,
    ) -> None:
        self._name = name
        self._handler = handler
        self._timeout = timeout
        self._limiter = ConcurrencyLimiter(concurrency)
        self._arn = arnlib.lambda_function(region, account, name)
        self._environ: Mapping[str, str] = {
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_VERSION": FUNCTION_VERSION,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": log_group_name(name),
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name(),
        }
        self.invocations: list[dict[str, Any]] = []  # every decoded event, in order
        self.results: list[InvocationResult] = []  # every result, in the same order
        self._errors = 0
        self._throttles = 0
        self._running = 0

    @property
    def name(self) -> str:
        return self._name

    def reserve(self) -> AbstractAsyncContextManager[InMemorySlot]:
        """Wait for a free unit of concurrency; hold it for the ``async with`` block."""
        return self._held(acquired=False)

    def grow(self, concurrency: int) -> None:
        """Raise the concurrency limit to ``concurrency``; a lower one changes nothing."""
        self._limiter.grow(concurrency)

    def try_reserve(self) -> AbstractAsyncContextManager[InMemorySlot] | None:
        """A slot if one is free now (enter it at once), else None, counted as a throttle."""
        if not self._limiter.try_acquire():
            self._throttles += 1
            return None
        return self._held(acquired=True)

    @contextlib.asynccontextmanager
    async def _held(self, *, acquired: bool) -> AsyncIterator[InMemorySlot]:
        if not acquired:
            await self._limiter.acquire()
        try:
            yield InMemorySlot(self)
        finally:
            self._limiter.release()

    async def _invoke(self, payload: bytes, request_id: str | None) -> InvocationResult:
        rid = request_id or str(uuid.uuid4())
        if len(payload) > faults.MAX_PAYLOAD_BYTES:
            too_large = faults.request_too_large()
            return InvocationResult(rid, InvocationStatus.PAYLOAD_TOO_LARGE, error=too_large)
        started = time.monotonic()
        self._running += 1
        try:
            status, body, error = await self._call(rid, payload)
        finally:
            self._running -= 1
        duration_ms = (time.monotonic() - started) * 1000
        result = InvocationResult(rid, status, body, error, duration_ms)
        self.results.append(result)
        if not result.ok:
            self._errors += 1
        return result

    async def _call(
        self, rid: str, payload: bytes
    ) -> tuple[InvocationStatus, bytes | None, dict[str, Any] | None]:
        try:
            event = decode_event(payload)
        except ValueError as exc:
            return InvocationStatus.HANDLER_ERROR, None, unmarshal_error(rid, exc)
        self.invocations.append(event)
        deadline_ms = int((time.time() + self._timeout) * 1000)
        context = LambdaContext(rid, deadline_ms, self._arn, self._environ)
        try:
            value = self._handler(event, context)
            if inspect.isawaitable(value):
                value = await value
        except SimulatedTimeout:
            return InvocationStatus.TIMEOUT, None, faults.timed_out(rid, self._timeout)
        except SimulatedCrash as crash:
            return InvocationStatus.CRASHED, None, faults.exited(rid, crash.returncode)
        except Exception as exc:
            error = faults.from_exception(exc, rid, (__file__,))
            return InvocationStatus.HANDLER_ERROR, None, error
        try:
            body = encode_response(value)
        except Exception as exc:
            return InvocationStatus.HANDLER_ERROR, None, marshal_error(rid, exc)
        if len(body) > faults.MAX_PAYLOAD_BYTES:
            return InvocationStatus.HANDLER_ERROR, None, faults.response_too_large(rid)
        return InvocationStatus.SUCCESS, body, None

    def statistics(self) -> FunctionStatistics:
        """Counters, as the process runtime reports them (``workers``: slots in use)."""
        return FunctionStatistics(
            function_name=self._name,
            invocations=len(self.results),
            errors=self._errors,
            throttles=self._throttles,
            concurrent_executions=self._running,
            workers=self._limiter.in_use,
            concurrency_limit=self._limiter.limit,
        )

    async def aclose(self) -> None:
        """Nothing to stop: handlers run on the caller's event loop."""


class InMemorySlot:
    """One held unit of the fake's concurrency."""

    def __init__(self, runtime: InMemoryFunctionRuntime) -> None:
        self._runtime = runtime

    async def invoke(self, payload: bytes, *, request_id: str | None = None) -> InvocationResult:
        """Call the handler once with ``payload`` (the event as JSON bytes)."""
        return await self._runtime._invoke(payload, request_id)
