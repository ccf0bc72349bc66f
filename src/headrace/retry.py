"""One retry policy: exponential backoff, capped and jittered, waiting on the injected clock.

Every loop in headrace that tries again after a failure — an AWS call (full jitter, so
pollers that failed together do not retry together), a queue lane whose source failed, a
stream batch the function failed, a source's missing-stream problem — takes its delays
from a :class:`Backoff`, and waits them on the :class:`~headrace.clock.Clock` it was given,
so tests drive every backoff with a ``FakeClock``.
"""

from __future__ import annotations

import asyncio
import enum
import random
import sys
from dataclasses import dataclass

from headrace.clock import Clock, wait_or_sleep

# Attempts without end: a loop that must not give up (a stream shard retries until told).
UNLIMITED = sys.maxsize
# 2**64 times any base is past any cap: the exponent stops growing there (no overflow).
_MAX_EXPONENT = 64

_default_rng = random.Random()


class Jitter(enum.Enum):
    """How a delay is spread below its ceiling."""

    NONE = "none"  # exactly the ceiling: a fixed, predictable schedule
    FULL = "full"  # anywhere in [0, ceiling) — AWS's "full jitter"
    HALF = "half"  # anywhere in [ceiling / 2, ceiling): spread, but never short


@dataclass(frozen=True, kw_only=True, slots=True)
class Backoff:
    """Retry ``n`` waits up to ``min(cap, base * 2**(n-1))``, spread by ``jitter``;
    ``attempts`` calls in all before giving up."""

    base: float
    cap: float
    jitter: Jitter = Jitter.NONE
    attempts: int = UNLIMITED

    def delay(self, retry: int, rng: random.Random | None = None) -> float:
        """The wait before retry number ``retry`` (1 = the first retry)."""
        ceiling = min(self.cap, self.base * 2.0 ** min(retry - 1, _MAX_EXPONENT))
        if self.jitter is Jitter.FULL:
            return (rng or _default_rng).uniform(0.0, ceiling)
        if self.jitter is Jitter.HALF:
            return (rng or _default_rng).uniform(ceiling / 2, ceiling)
        return ceiling

    def exhausted(self, attempt: int) -> bool:
        """Whether ``attempt`` calls used up every attempt."""
        return attempt >= self.attempts

    async def wait(
        self,
        clock: Clock,
        retry: int,
        rng: random.Random | None = None,
        *,
        until: asyncio.Event | None = None,
    ) -> float:
        """Wait the delay of ``retry`` on ``clock`` (ended early once ``until`` is set);
        return the delay."""
        delay = self.delay(retry, rng)
        if until is None:
            await clock.sleep(delay)
        else:
            await wait_or_sleep(clock, until, delay)
        return delay
