"""PeriodicSweep: brokers' housekeeping after writes, at most once per interval."""

from __future__ import annotations

from headrace.broker.sweep import PeriodicSweep
from headrace.errors import BrokerError


def test_sweeps_at_most_once_per_interval() -> None:
    """The first write sweeps; later ones only once the interval has passed."""
    swept: list[float] = []
    sweep = PeriodicSweep(swept.append, interval_ms=60_000)
    for now_ms in (1_000, 30_000, 60_999, 61_000, 100_000):
        sweep.after_write(now_ms)
    assert swept == [1.0, 61.0]


def test_a_busy_file_does_not_fail_the_write() -> None:
    """A BrokerError from the sweep is swallowed, and the next sweep waits a whole interval."""
    calls: list[float] = []

    def busy(now: float) -> None:
        calls.append(now)
        raise BrokerError("busy")

    sweep = PeriodicSweep(busy, interval_ms=10)
    sweep.after_write(0)
    sweep.after_write(5)
    sweep.after_write(10)
    assert calls == [0.0, 0.01]
