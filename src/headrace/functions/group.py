"""A worker's process group: start it, notice the moment its leader exits, kill it whole.

A worker runs in its own process group, and every process its handler starts (``subprocess``,
``os.fork``, ``multiprocessing``) joins that group unless it leaves on purpose (``setsid``).
When the worker is discarded — it crashed, timed out, was stopped, reaped or closed — the
whole group is killed, even when the worker itself is already gone: as on Lambda, nothing
of an execution environment outlives it.

Two hazards shape this module:

- asyncio's ``Process.wait()`` (Python 3.11) returns only once every pipe of the process
  closed, and a process the handler started holds the worker's pipes for as long as it
  lives; a forked copy of the worker even holds the frame pipe, so the reply never reaches
  EOF. :attr:`ProcessGroup.exited` is set when the worker *process* exits, and the group is
  killed right then, which closes the pipes and turns a pending read into a prompt EOF.
- A process group id is the leader's pid. Once the leader is gone and the group is empty,
  the number can be reused (``pid_max`` may be as low as 32768), so the group is signalled
  after the leader's exit exactly once, at once, and never again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Mapping, Sequence
from pathlib import Path


class _ExitWatch(asyncio.subprocess.SubprocessStreamProtocol):
    """asyncio's stream protocol for a subprocess, telling its group when the process exits."""

    def __init__(self, limit: int, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(limit=limit, loop=loop)
        self.group: ProcessGroup | None = None

    def process_exited(self) -> None:
        super().process_exited()
        if self.group is not None:
            self.group._leader_exited()


class ProcessGroup:
    """One worker process, leader of its own process group, with its pipes as streams."""

    def __init__(self, transport: asyncio.SubprocessTransport, watch: _ExitWatch) -> None:
        self._transport = transport
        self.process = asyncio.subprocess.Process(transport, watch, asyncio.get_running_loop())
        self.exited = asyncio.Event()  # set when the leader exited (pipes may still be open)
        self._signalled_after_exit = False
        watch.group = self
        if transport.get_returncode() is not None:  # it died before we were listening
            self._leader_exited()

    @classmethod
    async def start(
        cls, command: Sequence[str], *, env: Mapping[str, str], cwd: Path, limit: int
    ) -> ProcessGroup:
        """Start ``command`` with three pipes in a new process group.

        ``limit`` is the StreamReader buffer limit of the pipes. Raises OSError if the
        process cannot be started.
        """
        loop = asyncio.get_running_loop()
        transport, watch = await loop.subprocess_exec(
            lambda: _ExitWatch(limit, loop),
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(env),
            cwd=cwd,
            process_group=0,
        )
        return cls(transport, watch)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        """The leader's exit status (negative: the signal that killed it); None while it runs."""
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL every process of the group, the leader included. Idempotent.

        Once the leader has exited its group was killed at that moment; nothing is
        signalled again (the group id may belong to someone else by now).
        """
        if self._signalled_after_exit:
            return
        if not _kill_group(self.pid) and self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()  # the group could not be signalled: the leader at least

    def close(self) -> None:
        """Close headrace's ends of the pipes (a process outside the group may hold the others)."""
        self._transport.close()

    def _leader_exited(self) -> None:
        if not self._signalled_after_exit:
            _kill_group(self.pid)  # the group outlives its leader: kill what the handler left
            self._signalled_after_exit = True
        self.exited.set()


def _kill_group(pgid: int) -> bool:
    """SIGKILL process group ``pgid``; False if it is gone or may not be signalled."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    return True
