"""One worker process as headrace sees it: start it, invoke it, kill it.

A worker runs in its own process group (see :mod:`.group`): a timeout, a crash or a stop
kills the handler together with every process it started, even when the worker itself is
already gone. Every failure of the process becomes an :class:`InvocationResult`, never an
exception: a handler past its deadline is TIMEOUT, a process that dies mid-invocation (or
cannot be written to) is CRASHED as soon as it exits, whatever still holds its pipes, and a
handler that cannot be loaded is INIT_ERROR. A worker that failed in any of these ways is
dead; the pool discards it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from headrace.functions import faults
from headrace.functions.framing import (
    FLAG_LOG_TAIL,
    REPLY_HEADER,
    ReplyKind,
    check_log_marker,
    encode_request,
)
from headrace.functions.function_seam import InvocationResult, InvocationStatus
from headrace.functions.group import ProcessGroup
from headrace.functions.logpump import LogPump
from headrace.owned_tasks import cancel_and_wait

# Lambda's limit for the init phase (importing the handler module), seconds; a function
# whose Timeout is longer gets its Timeout instead.
INIT_TIMEOUT_SECONDS = 10.0
# How long to wait for a killed or crashed worker to exit and its log pipe to drain; a
# process the handler started that left the process group can hold the pipe open forever.
EXIT_WAIT_SECONDS = 2.0
# How long a worker told to stop (request pipe closed) may take before it is killed.
STOP_GRACE_SECONDS = 2.0
# StreamReader buffer limit: large replies are read with fewer pause/resume cycles.
_READ_LIMIT = 1 << 20


class WorkerProcess:
    """A started worker process of one function."""

    def __init__(self, group: ProcessGroup, function_name: str, log: logging.Logger) -> None:
        process = group.process
        assert process.stdin is not None
        assert process.stdout is not None
        assert process.stderr is not None
        self._group = group
        self._stdin = process.stdin
        self._stdout = process.stdout
        self._function_name = function_name
        self._log = log
        self._pump = LogPump(process.stderr, log, function_name)
        self._pump_task = asyncio.get_running_loop().create_task(self._pump.run())
        self._ready = False
        self._dead = False
        self._out_of_memory = False  # killed by the MemorySize check
        self._markers_expected = 0
        self.invocations = 0
        self.max_memory_used = 0  # bytes, the most a memory check measured (0: never)
        self.last_used = 0.0  # monotonic time of the last invocation's end (set by the pool)

    @classmethod
    async def start(
        cls,
        command: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        function_name: str,
        log: logging.Logger,
    ) -> WorkerProcess:
        """Start a worker process. Raises OSError if it cannot be started."""
        group = await ProcessGroup.start(command, env=env, cwd=cwd, limit=_READ_LIMIT)
        return cls(group, function_name, log)

    @staticmethod
    def command(python: str, function_arn: str) -> list[str]:
        """The command line that starts a worker."""
        return [python, "-m", "headrace.functions._worker", function_arn, str(os.getpid())]

    @property
    def pid(self) -> int:
        return self._group.pid

    @property
    def alive(self) -> bool:
        """False once the worker failed, was killed, or its process exited."""
        return not self._dead and self._group.returncode is None

    @property
    def request_id(self) -> str | None:
        """The request the worker is running (importing the handler for), or None."""
        return self._pump.request_id

    @property
    def busy(self) -> bool:
        """True while an invocation runs on the worker (its handler's import included)."""
        return self._pump.request_id is not None

    async def invoke(self, request_id: str, payload: bytes, time_limit: float) -> InvocationResult:
        """Run one invocation; ``time_limit`` is the function's Timeout in seconds.

        Cancelling this call kills the worker (its reply can no longer be matched).
        """
        started = time.monotonic()
        self._pump.request_id = request_id
        self.invocations += 1
        try:
            if not self._ready:
                failed = await self._wait_ready(request_id, max(INIT_TIMEOUT_SECONDS, time_limit))
                if failed is not None:
                    return failed
            status, body = await self._exchange(request_id, payload, time_limit)
        except TimeoutError:
            return await self._timed_out(request_id, time_limit, started)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            return await self._crashed(request_id, started)
        except asyncio.CancelledError:
            self.kill()
            raise
        return self._result(request_id, status, body, started)

    async def _exchange(
        self, request_id: str, payload: bytes, time_limit: float
    ) -> tuple[ReplyKind, bytes]:
        deadline_ms = int((time.time() + time_limit) * 1000)
        async with asyncio.timeout(time_limit):
            self._stdin.write(encode_request(request_id, deadline_ms, payload))
            await self._stdin.drain()
            kind, flags, body = await self._read_reply()
        if flags & FLAG_LOG_TAIL:
            self._markers_expected += 1
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(EXIT_WAIT_SECONDS):
                    await self._pump.wait_markers(self._markers_expected)
        if kind not in (ReplyKind.SUCCESS, ReplyKind.HANDLER_ERROR):
            raise ValueError(f"unexpected reply {kind!r} from worker {self.pid}")
        return kind, body

    async def _read_reply(self) -> tuple[ReplyKind, int, bytes]:
        kind, flags, length = REPLY_HEADER.unpack(await self._stdout.readexactly(REPLY_HEADER.size))
        body = await self._stdout.readexactly(length) if length else b""
        return ReplyKind(kind), flags, body

    async def _wait_ready(self, request_id: str, limit: float) -> InvocationResult | None:
        """Wait for the worker's first reply; a result if the handler could not load."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(limit):
                kind, _flags, body = await self._read_reply()
            if kind is ReplyKind.READY:  # its body is the worker's end-of-output marker
                self._pump.expect_marker(check_log_marker(body))
        except TimeoutError:
            return await self._timed_out(request_id, limit, started)
        except (asyncio.IncompleteReadError, ValueError):
            return await self._crashed(request_id, started)
        if kind is ReplyKind.READY:
            self._ready = True
            return None
        self._dead = True
        await self._wait_exit()
        error = {**json.loads(body), "requestId": request_id}
        return self._finish(request_id, InvocationStatus.INIT_ERROR, started, error=error)

    def _result(
        self, request_id: str, kind: ReplyKind, body: bytes, started: float
    ) -> InvocationResult:
        if kind is ReplyKind.SUCCESS:
            return self._finish(request_id, InvocationStatus.SUCCESS, started, payload=body)
        error = json.loads(body)
        return self._finish(request_id, InvocationStatus.HANDLER_ERROR, started, error=error)

    async def _timed_out(
        self, request_id: str, time_limit: float, started: float
    ) -> InvocationResult:
        self.kill()
        await self._wait_exit()
        error = faults.timed_out(request_id, time_limit)
        self._log_error(request_id, error)
        return self._finish(request_id, InvocationStatus.TIMEOUT, started, error=error)

    async def _crashed(self, request_id: str, started: float) -> InvocationResult:
        self._dead = True
        await self._wait_exit()
        if self._out_of_memory:
            error = faults.out_of_memory(request_id)
        else:
            error = faults.exited(request_id, self._group.returncode)
        self._log_error(request_id, error)
        return self._finish(request_id, InvocationStatus.CRASHED, started, error=error)

    def _finish(
        self,
        request_id: str,
        status: InvocationStatus,
        started: float,
        *,
        payload: bytes | None = None,
        error: dict[str, object] | None = None,
    ) -> InvocationResult:
        self._pump.request_id = None
        duration_ms = (time.monotonic() - started) * 1000
        if self._log.isEnabledFor(logging.DEBUG):
            used = self.max_memory_used
            self._log.debug(
                "[%s %s] REPORT RequestId: %s Duration: %.2f ms%s Status: %s",
                self._function_name,
                request_id,
                request_id,
                duration_ms,
                f" Max Memory Used: {used >> 20} MB" if used else "",  # 0: never measured
                status.value,
            )
        return InvocationResult(request_id, status, payload, error, duration_ms)

    def _log_error(self, request_id: str, error: dict[str, object]) -> None:
        self._log.error(
            "[%s %s] %s",
            self._function_name,
            request_id,
            error["errorMessage"],
            extra={"function_name": self._function_name, "aws_request_id": request_id},
        )

    async def _wait_exit(self) -> None:
        """Wait (bounded) for the process to exit and its log to drain; kill if it lingers.

        The process's exit is watched, not its pipes' EOF: the group is killed at that
        moment, so processes the handler started cannot keep the log open; one that left
        the group is given ``EXIT_WAIT_SECONDS``.
        """
        try:
            async with asyncio.timeout(EXIT_WAIT_SECONDS):
                await self._group.exited.wait()
        except TimeoutError:
            self.kill()
            await self._group.exited.wait()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(EXIT_WAIT_SECONDS):
                await self._pump.wait_closed()

    def kill(self) -> None:
        """SIGKILL the worker and every process in its group, even after the worker exited.

        Idempotent.
        """
        self._dead = True
        self._group.kill()

    def kill_out_of_memory(self) -> None:
        """Kill the worker for holding more than MemorySize (its invocation: OutOfMemory)."""
        self._out_of_memory = True
        self.kill()

    async def stop(self) -> None:
        """Close the request pipe so the worker exits; kill it if it does not in time.

        Whatever the handler started dies with the worker's group; headrace's ends of the
        pipes are closed.
        """
        self._dead = True
        with contextlib.suppress(ConnectionError, RuntimeError):
            self._stdin.close()
        try:
            async with asyncio.timeout(STOP_GRACE_SECONDS):
                await self._group.exited.wait()
        except TimeoutError:
            self.kill()
        await self._wait_exit()
        self._group.close()
        if not self._pump_task.done():
            await cancel_and_wait([self._pump_task])
