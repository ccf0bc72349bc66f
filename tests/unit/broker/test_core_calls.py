"""The storages' shared core calls: a core opened on its thread, closed once."""

from __future__ import annotations

import threading

import pytest

from headrace.broker.core_calls import CoreCalls, call_inline, loop_waker, open_on_thread
from headrace.clock import FakeClock


class Core:
    """A core that counts its closes and says which thread ran it."""

    def __init__(self) -> None:
        self.closes = 0

    def where(self) -> str:
        return threading.current_thread().name

    def close(self) -> None:
        self.closes += 1


def failing_opener() -> Core:
    raise OSError("no file")


async def test_a_core_opened_on_its_thread_runs_its_calls_there() -> None:
    """open_on_thread builds the core on the named thread, and calls through it run there."""
    core, thread = await open_on_thread("headrace-test", Core)
    storage = CoreCalls(
        core, call=thread.call, waker=loop_waker, clock=FakeClock(), owns=True, thread=thread
    )
    assert await storage._call(core.where) == "headrace-test"
    await storage.aclose()


async def test_an_opener_that_fails_stops_its_thread() -> None:
    """When the core cannot open, the error reaches the caller and no thread is left running."""
    before = {t.name for t in threading.enumerate()}
    with pytest.raises(OSError, match="no file"):
        await open_on_thread("headrace-failing", failing_opener)
    assert "headrace-failing" not in {t.name for t in threading.enumerate()} - before


async def test_an_owned_core_closes_once() -> None:
    """aclose closes an owned core once however often it is called; an unowned one never."""
    owned, lent = Core(), Core()
    clock = FakeClock()
    for core, owns in ((owned, True), (lent, False)):
        storage = CoreCalls(core, call=call_inline, waker=loop_waker, clock=clock, owns=owns)
        await storage.aclose()
        await storage.aclose()
    assert (owned.closes, lent.closes) == (1, 0)
