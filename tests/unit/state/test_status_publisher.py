"""The status publisher: a failing status store never breaks a run (issue 8, item 2)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import pytest

from headrace.clock import FakeClock
from headrace.errors import BrokerError
from headrace.state.publisher import PUBLISH_SECONDS, RETRY_SECONDS, StatusPublisher
from headrace.state.state_seam import EngineRecord
from headrace.statistics import MappingStatistics

# Bound on the loop turns a step may take before the publisher sleeps again.
TURNS = 100


def snapshot(invoked: int) -> list[MappingStatistics]:
    return [
        MappingStatistics(
            uuid="u-1",
            function_name="fn",
            event_source_arn="arn:aws:sqs:us-east-1:000000000000:orders",
            state="Enabled",
            state_transition_reason="USER_INITIATED",
            last_processing_result="OK",
            in_flight_batches=0,
            concurrency=1,
            polled=invoked,
            filtered_out=0,
            invoked=invoked,
            failed_invoke=0,
            deleted=invoked,
            invocations=invoked,
            errors=0,
            batches=invoked,
        )
    ]


class FlakyStore:
    """A status store whose writes fail while ``broken`` is set (a held lock, a full disk)."""

    def __init__(self) -> None:
        self.broken = False
        self.attempts = 0
        self.published: list[list[MappingStatistics]] = []
        self.cleared: list[int] = []

    def _write(self) -> None:
        self.attempts += 1
        if self.broken:
            raise BrokerError("cannot publish the status in state.sqlite3: database is locked")

    async def publish(self, engine: EngineRecord, mappings: Sequence[MappingStatistics]) -> None:
        self._write()
        self.published.append(list(mappings))

    async def read(self) -> tuple[EngineRecord | None, list[MappingStatistics]]:
        return None, self.published[-1] if self.published else []

    async def clear_engine(self, pid: int) -> None:
        self._write()
        self.cleared.append(pid)

    async def aclose(self) -> None:
        """Nothing to release."""


class Running:
    """A publisher over a FlakyStore, its run() task and the statistics it reads."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.store = FlakyStore()
        self.current = snapshot(0)
        record = EngineRecord(pid=42, started_at=0.0, heartbeat_at=0.0, port=None)
        self.publisher = StatusPublisher(
            self.store, lambda: self.current, lambda: record, clock=self.clock
        )
        self.task = asyncio.create_task(self.publisher.run())

    async def asleep(self) -> None:
        """Wait until the publisher sleeps on the clock (it has done its step)."""
        for _ in range(TURNS):
            await asyncio.sleep(0)
            if self.clock.sleepers:
                return
        raise AssertionError("the publisher never went back to sleep")

    async def after(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await self.asleep()

    async def stop(self) -> None:
        self.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self.task


async def test_failed_writes_are_retried_with_back_off_and_status_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failing store: the publisher keeps running, retries after 1, 2, 4 s of the clock,
    warns once per outage, says once that it recovered, then publishes the newest snapshot."""
    caplog.set_level(logging.INFO, logger="headrace")
    run = Running()
    await run.asleep()
    assert len(run.store.published) == 1
    run.store.broken = True
    run.current = snapshot(5)
    await run.after(PUBLISH_SECONDS)
    assert run.store.attempts == 2
    assert run.publisher.failing
    first, _ = RETRY_SECONDS
    for waited in (first, 2 * first):
        await run.after(waited - 0.01)
        attempts = run.store.attempts
        await run.after(0.01)
        assert run.store.attempts == attempts + 1, f"retried after {waited} s"
    assert not run.task.done()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "database is locked" in warnings[0].getMessage()
    run.store.broken = False
    await run.after(4 * first)
    assert run.store.published[-1] == snapshot(5)
    assert not run.publisher.failing
    recovered = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert recovered == ["status published again after 3 failed writes"]
    await run.stop()


async def test_back_off_stops_growing_at_its_cap() -> None:
    """A long outage costs one try per RETRY_SECONDS cap, not one per second."""
    run = Running()
    await run.asleep()
    run.store.broken = True
    run.current = snapshot(1)
    await run.after(PUBLISH_SECONDS)
    _, cap = RETRY_SECONDS
    for _ in range(10):
        await run.after(cap)
    attempts = run.store.attempts
    await run.after(cap - 0.01)
    assert run.store.attempts == attempts
    await run.after(0.01)
    assert run.store.attempts == attempts + 1
    await run.stop()


async def test_retire_during_an_outage_does_not_raise() -> None:
    """At shutdown the last snapshot and the cleared engine record are best effort."""
    run = Running()
    await run.asleep()
    await run.stop()
    run.store.broken = True
    await run.publisher.retire(42)
    assert run.store.cleared == []
    run.store.broken = False
    await run.publisher.retire(42)
    assert run.store.cleared == [42]
