"""WorkerProcess.stop over a fake process group: a log pipe that never closes (a process
that left the group still holds it) is given up, and a cancel of the stop is never lost."""

from __future__ import annotations

import asyncio
import logging

import pytest
from tests.cancel_turns import cancel_on_turn

from headrace.functions import worker as worker_module
from headrace.functions.worker import WorkerProcess

# More loop turns than stop() takes to give up the log pipe and end the log pump.
TURNS = 12


class FakeStdin:
    """The worker's request pipe: only closed, by stop()."""

    def close(self) -> None:
        return None


class FakeProcess:
    """Pipes nobody writes to: the log (stderr) is never closed."""

    def __init__(self) -> None:
        self.stdin = FakeStdin()
        self.stdout = asyncio.StreamReader()
        self.stderr = asyncio.StreamReader()


class ExitedGroup:
    """A process group whose leader has exited already; its log pipe stays open."""

    pid = 4242
    returncode = 0

    def __init__(self) -> None:
        self.process = FakeProcess()
        self.exited = asyncio.Event()
        self.exited.set()

    def kill(self) -> None:
        return None

    def close(self) -> None:
        return None


def worker() -> WorkerProcess:
    return WorkerProcess(ExitedGroup(), "fn", logging.getLogger("test.worker"))  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def no_exit_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """The log pipe is given up at once instead of after EXIT_WAIT_SECONDS."""
    monkeypatch.setattr(worker_module, "EXIT_WAIT_SECONDS", 0)


async def test_stop_gives_up_a_log_pipe_that_never_closes() -> None:
    """The log pump still reading a pipe held open is cancelled, and stop() returns."""
    stopped = worker()
    await stopped.stop()
    assert not stopped.alive
    assert stopped._pump_task.cancelled()


async def test_a_cancel_while_the_log_pump_ends_is_not_swallowed() -> None:
    """stop() is cancelled on every loop turn, including those where the log pump is being
    cancelled and awaited: whenever the cancel was delivered, stop() ends cancelled (it was
    once taken for the pump's own and dropped)."""
    for turns in range(TURNS):
        stopped = worker()
        stopping = asyncio.create_task(stopped.stop())
        await cancel_on_turn(stopping, turns)
        await stopped.stop()  # a stop cancelled early left the log pump running
