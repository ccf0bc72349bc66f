"""Housekeeping after writes: a broker's sweep, at most once per interval of clock time."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from headrace.errors import BrokerError


class PeriodicSweep:
    """Calls ``sweep(now_seconds)`` after a write when ``interval_ms`` have passed since the last.

    Meant to run right after a committed write, on the caller's thread. A
    :class:`~headrace.errors.BrokerError` from the sweep (a busy file) is swallowed: the write
    before it has committed and must not look failed (a retried put would be a duplicate);
    what was not swept waits for the next time. The first call always sweeps.
    """

    def __init__(self, sweep: Callable[[float], object], interval_ms: int) -> None:
        self._sweep = sweep
        self._interval_ms = interval_ms
        self._next_ms = 0

    def after_write(self, now_ms: int) -> None:
        """Sweep if due at ``now_ms`` (epoch milliseconds)."""
        if now_ms >= self._next_ms:
            self._next_ms = now_ms + self._interval_ms
            with contextlib.suppress(BrokerError):
                self._sweep(now_ms / 1000)
