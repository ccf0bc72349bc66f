"""What the engine sees of a function: reserve a slot, invoke it with a payload.

A slot is one unit of the function's concurrency (``ReservedConcurrentExecutions``). The
engine reserves a slot *before* it receives messages, so a batch never waits for a worker
while its messages burn visibility time and receive counts (§4.1.4, done better).
"""

from __future__ import annotations

import enum
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol


class InvocationStatus(enum.Enum):
    """How an invocation ended.

    Everything but SUCCESS and PAYLOAD_TOO_LARGE is a function error (§4.2.17).
    """

    SUCCESS = "Success"
    # The handler raised (Lambda: functionError "Unhandled").
    HANDLER_ERROR = "Unhandled"
    # The handler ran past Timeout; its worker was killed ("Task timed out after ...").
    TIMEOUT = "Timeout"
    # The worker process died during the invocation (os._exit, segfault, OOM kill).
    CRASHED = "Crashed"
    # The handler module or function could not be loaded (Runtime.ImportModuleError ...).
    INIT_ERROR = "InitError"
    # Not a function error: the payload is over Lambda's 6 MB invocation quota and was not
    # sent (§2.1); Lambda's Invoke API rejects it with RequestEntityTooLargeException. The
    # handler never ran; the engine must send smaller batches.
    PAYLOAD_TOO_LARGE = "RequestEntityTooLarge"


@dataclass(frozen=True, slots=True)
class InvocationResult:
    """The outcome of one invocation.

    ``payload`` is the handler's return value as JSON bytes (``b"null"`` for None) when
    ``status`` is SUCCESS. ``error`` is Lambda's error object (``errorMessage``,
    ``errorType``, ``stackTrace``) otherwise.
    """

    request_id: str
    status: InvocationStatus
    payload: bytes | None = None
    error: dict[str, Any] | None = None
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status is InvocationStatus.SUCCESS


@dataclass(frozen=True, slots=True)
class FunctionStatistics:
    """A function runtime's counters, read by status and /metrics."""

    function_name: str
    invocations: int
    errors: int
    throttles: int
    concurrent_executions: int
    workers: int
    concurrency_limit: int


class Slot(Protocol):
    """One reserved unit of a function's concurrency."""

    async def invoke(self, payload: bytes, *, request_id: str | None = None) -> InvocationResult:
        """Run the handler once with ``payload`` (the event as JSON bytes)."""
        ...


class FunctionRuntime(Protocol):
    """One function's pool of execution environments."""

    @property
    def name(self) -> str: ...

    def reserve(self) -> AbstractAsyncContextManager[Slot]:
        """Wait for a free unit of concurrency and hold it for the ``async with`` block."""
        ...

    def try_reserve(self) -> AbstractAsyncContextManager[Slot] | None:
        """A slot if one is free right now, else None (counted as a throttle)."""
        ...

    def statistics(self) -> FunctionStatistics: ...

    def grow(self, concurrency: int) -> None:
        """Raise the concurrency limit to ``concurrency`` (never lowers it): a mapping made
        at run time adds its batches to the function's pool."""
        ...

    async def aclose(self) -> None:
        """Stop every worker; invocations still running are killed."""
        ...
