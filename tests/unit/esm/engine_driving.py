"""Driving an engine over in-memory fakes on a fake clock (the queue and stream harnesses)."""

from __future__ import annotations

import asyncio

from headrace.clock import FakeClock
from headrace.esm.engine import Engine, RunResult

# Bound on the loop turns a stop may take to take effect when no fake time passes.
STOP_ROUNDS = 20


async def settle(rounds: int = 30) -> None:
    """Let every runnable task run until the loop is quiet."""
    for _ in range(rounds):
        await asyncio.sleep(0)


async def drain(engine: Engine, clock: FakeClock, *, step: float, limit: int) -> RunResult:
    """Run ``engine`` until drained, advancing ``clock`` ``step`` seconds at a time.

    Raises AssertionError (after stopping the engine) if it has not drained within
    ``limit`` steps.
    """
    task = asyncio.create_task(engine.run(until_drained=True))
    for _ in range(limit):
        await settle()
        if task.done():
            return task.result()
        clock.advance(step)
    engine.stop()
    await settle()
    raise AssertionError("the mapping did not drain")


async def finished(task: asyncio.Task[RunResult]) -> RunResult:
    """The run's result once it ended, without advancing the fake clock (a stop that must
    take effect at once); AssertionError if it does not end."""
    for _ in range(STOP_ROUNDS):
        await settle()
        if task.done():
            return task.result()
    raise AssertionError("the engine did not stop without the clock moving")
