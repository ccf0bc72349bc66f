"""The Python function runtime: a function's handlers run in a pool of worker processes.

Each worker is a fresh interpreter with Lambda's environment (see :mod:`.environment`),
started on demand when a slot invokes and no idle worker is warm, up to the function's
concurrency limit; never sized to the CPU count. Idle workers are reused last-in first-out
(the most recently used one has the warmest caches) and reaped after ``idle_seconds``.

A handler past its Timeout is killed, a worker over its MemorySize is killed (unless the
config's ``enforce_memory`` is false; see :mod:`.memguard`), a worker that dies is replaced
by the next invocation, a handler that cannot be imported fails each invocation: all are
function errors (§4.2.17) reported as :class:`InvocationResult`, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from types import TracebackType

from headrace.clock import Clock, SystemClock
from headrace.config.model import FunctionConfig
from headrace.functions import faults
from headrace.functions.environment import function_arn, worker_environment
from headrace.functions.function_seam import FunctionStatistics, InvocationResult, InvocationStatus
from headrace.functions.limiter import ConcurrencyLimiter
from headrace.functions.memguard import MemoryGuard
from headrace.functions.worker import WorkerProcess
from headrace.owned_tasks import cancel_and_wait

# Idle workers are checked this often, at most (a fraction of idle_seconds otherwise).
_MAX_REAP_INTERVAL = 30.0


class ProcessFunctionRuntime:
    """One function's pool of worker processes (implements ``FunctionRuntime``).

    ``concurrency`` is the function's limit (``ReservedConcurrentExecutions`` or headrace's
    default): at most that many slots are held, hence at most that many workers run,
    across every mapping that shares this runtime.
    """

    def __init__(
        self,
        config: FunctionConfig,
        *,
        concurrency: int,
        region: str,
        account: str,
        log: logging.Logger | None = None,
        idle_seconds: float = 60.0,
        python: str = sys.executable,
        clock: Clock | None = None,
    ) -> None:
        self._config = config
        self._region = region
        self._limiter = ConcurrencyLimiter(concurrency)
        self._log = log or logging.getLogger(f"headrace.function.{config.name}")
        self._idle_seconds = idle_seconds
        self._clock = clock or SystemClock()
        self._command = WorkerProcess.command(python, function_arn(config, region, account))
        self._idle: list[WorkerProcess] = []  # a stack: the last one pushed is the warmest
        self._workers: set[WorkerProcess] = set()
        self._memory_guard = (
            MemoryGuard(config.memory_size, config.name, self._log)
            if config.enforce_memory
            else None
        )
        self._housekeeping: list[asyncio.Task[None]] = []  # the reaper and the memory guard
        self._closed = False
        self._invocations = 0
        self._errors = 0
        self._throttles = 0
        self._running = 0

    @property
    def name(self) -> str:
        return self._config.name

    def reserve(self) -> AbstractAsyncContextManager[ProcessSlot]:
        """Wait for a free unit of the function's concurrency; hold it for the block."""
        return self._held(acquired=False)

    def grow(self, concurrency: int) -> None:
        """Raise the concurrency limit to ``concurrency``; a lower one changes nothing."""
        self._limiter.grow(concurrency)

    def try_reserve(self) -> AbstractAsyncContextManager[ProcessSlot] | None:
        """A slot if one is free now, else None (counted as a throttle).

        The returned context manager already holds the unit: enter it at once.
        """
        if not self._limiter.try_acquire():
            self._throttles += 1
            return None
        return self._held(acquired=True)

    @contextlib.asynccontextmanager
    async def _held(self, *, acquired: bool) -> AsyncIterator[ProcessSlot]:
        if self._closed:
            if acquired:
                self._limiter.release()
            raise RuntimeError(f"function runtime {self.name!r} is closed")
        if not acquired:
            await self._limiter.acquire()
        try:
            yield ProcessSlot(self)
        finally:
            self._limiter.release()

    async def _invoke(self, payload: bytes, request_id: str | None) -> InvocationResult:
        """Run one invocation on a warm or new worker (callers hold a slot)."""
        rid = request_id or str(uuid.uuid4())
        if len(payload) > faults.MAX_PAYLOAD_BYTES:
            error = faults.request_too_large()
            return InvocationResult(rid, InvocationStatus.PAYLOAD_TOO_LARGE, error=error)
        self._invocations += 1
        self._running += 1
        try:
            result = await self._run(rid, payload)
        finally:
            self._running -= 1
        if not result.ok:
            self._errors += 1
        return result

    async def _run(self, request_id: str, payload: bytes) -> InvocationResult:
        try:
            worker = await self._checkout()
        except OSError as exc:
            error = faults.spawn_failed(request_id, exc)
            self._log.error("[%s %s] %s", self.name, request_id, error["errorMessage"])
            return InvocationResult(request_id, InvocationStatus.CRASHED, error=error)
        try:
            result = await worker.invoke(request_id, payload, float(self._config.timeout))
        finally:
            await self._checkin(worker)
        return result

    async def _checkout(self) -> WorkerProcess:
        while self._idle:
            worker = self._idle.pop()
            if worker.alive:
                return worker
            await self._discard(worker)
        worker = await WorkerProcess.start(
            self._command,
            env=worker_environment(self._config, self._region),
            cwd=self._config.code_uri,
            function_name=self.name,
            log=self._log,
        )
        self._workers.add(worker)
        self._start_housekeeping()
        return worker

    async def _checkin(self, worker: WorkerProcess) -> None:
        if not worker.alive or self._closed:
            await self._discard(worker)
            return
        worker.last_used = self._clock.monotonic()
        self._idle.append(worker)

    async def _discard(self, worker: WorkerProcess) -> None:
        self._workers.discard(worker)
        await worker.stop()

    async def reap_idle(self) -> int:
        """Stop workers idle for ``idle_seconds`` or more; return how many were stopped."""
        cutoff = self._clock.monotonic() - self._idle_seconds
        stale = [w for w in self._idle if w.last_used <= cutoff]
        self._idle = [w for w in self._idle if w.last_used > cutoff]
        for worker in stale:
            self._log.debug("[%s -] reaping idle worker %d", self.name, worker.pid)
        await asyncio.gather(*(self._discard(w) for w in stale))
        return len(stale)

    def _start_housekeeping(self) -> None:
        """Start reaping idle workers and guarding memory, once, with the first worker."""
        if self._housekeeping or self._closed:
            return
        loop = asyncio.get_running_loop()
        self._housekeeping.append(loop.create_task(self._reap_forever()))
        if self._memory_guard is not None:
            watch = self._memory_guard.run(lambda: list(self._workers), self._clock)
            self._housekeeping.append(loop.create_task(watch))

    async def _reap_forever(self) -> None:
        interval = max(0.001, min(self._idle_seconds / 2, _MAX_REAP_INTERVAL))
        while True:
            await self._clock.sleep(interval)
            await self.reap_idle()

    def statistics(self) -> FunctionStatistics:
        """Counters for status and /metrics."""
        return FunctionStatistics(
            function_name=self.name,
            invocations=self._invocations,
            errors=self._errors,
            throttles=self._throttles,
            concurrent_executions=self._running,
            workers=len(self._workers),
            concurrency_limit=self._limiter.limit,
        )

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (for tests and diagnostics)."""
        return sorted(w.pid for w in self._workers)

    async def aclose(self) -> None:
        """Stop every worker; invocations still running are killed (they end CRASHED)."""
        self._closed = True
        await cancel_and_wait(self._housekeeping)
        for worker in self._workers:
            if worker not in self._idle:
                worker.kill()  # busy: its invocation sees the worker die and ends CRASHED
        self._idle = []
        await asyncio.gather(*(self._discard(w) for w in list(self._workers)))

    async def __aenter__(self) -> ProcessFunctionRuntime:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class ProcessSlot:
    """One held unit of a function's concurrency; invocations through it run one at a time."""

    def __init__(self, runtime: ProcessFunctionRuntime) -> None:
        self._runtime = runtime
        self._lock = asyncio.Lock()

    async def invoke(self, payload: bytes, *, request_id: str | None = None) -> InvocationResult:
        """Run the handler once with ``payload`` (the event as JSON bytes).

        Never raises for handler or worker failures: see :class:`InvocationResult`.
        """
        async with self._lock:
            return await self._runtime._invoke(payload, request_id)
