"""MemorySize, enforced: a worker whose processes hold more than MemorySize is killed.

On Lambda a function that goes over ``MemorySize`` is killed by the kernel, and the
invocation fails with ``Runtime.OutOfMemory`` ("Runtime exited with error: signal:
killed"), a function error retried and dead-lettered like any other (§4.2.17). headrace
measures each busy worker every :data:`SAMPLE_SECONDS` (see :mod:`.meminfo` for what
counts) and SIGKILLs the worker's process group once it is over the limit; the invocation
then ends with the same error. ``enforce_memory: false`` in the config turns this off.

The measurement runs on headrace's event loop and only while an invocation runs (or the
handler module is imported): an idle worker runs no handler code, as a frozen Lambda
sandbox does not. Being a sample, it lets a handler that allocates very fast overshoot by
what it allocates in one interval before it is killed. Where ``/proc`` is missing
(macOS) nothing is measured and nothing is enforced.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from headrace.clock import Clock
from headrace.functions.meminfo import tree_memory
from headrace.functions.worker import WorkerProcess

# How often a busy worker's memory is measured, seconds: a few dozen microseconds of
# /proc reads per busy worker, ten times a second; a handler allocating 2 GB/s is caught
# within about 200 MB of its limit.
SAMPLE_SECONDS = 0.1
# Lambda's MemorySize is in MiB.
MIB = 1024 * 1024


class MemoryGuard:
    """Kills a function's busy workers that hold more than its MemorySize."""

    def __init__(self, memory_size_mb: int, function_name: str, log: logging.Logger) -> None:
        self._memory_size_mb = memory_size_mb
        self._limit = memory_size_mb * MIB
        self._function_name = function_name
        self._log = log

    async def run(self, workers: Callable[[], Iterable[WorkerProcess]], clock: Clock) -> None:
        """Measure the busy ones of ``workers()`` every SAMPLE_SECONDS, until cancelled."""
        while True:
            await clock.sleep(SAMPLE_SECONDS)
            for worker in workers():
                if worker.busy and worker.alive:
                    self.check(worker)

    def check(self, worker: WorkerProcess) -> None:
        """Measure one worker now; kill it (out of memory) if it is over the limit."""
        used = tree_memory(worker.pid)
        if used is None:
            return
        worker.max_memory_used = max(worker.max_memory_used, used)
        if used <= self._limit:
            return
        self._log.error(
            "[%s %s] Runtime.OutOfMemory: the function used %d MB, over its MemorySize of "
            "%d MB; its worker is killed (enforce_memory: false turns this check off)",
            self._function_name,
            worker.request_id,
            used // MIB,
            self._memory_size_mb,
            extra={"function_name": self._function_name, "aws_request_id": worker.request_id},
        )
        worker.kill_out_of_memory()
