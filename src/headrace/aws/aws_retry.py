"""Retrying transient AWS failures: exponential backoff with full jitter on the injected clock.

A transient failure (throttling, a 5xx, a network error) is tried again after a random
delay in ``[0, min(cap, base * 2**n))`` (AWS's "full jitter"), so many pollers that failed
together do not retry together. After the last attempt -- or at once for a failure that is
not transient (missing, denied) -- the failure is raised as
:class:`~headrace.errors.SourceUnavailable` with AWS's message. Nothing is lost by a
failed call: a failed receive received nothing, and a message whose delete failed comes
back after its visibility timeout.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from headrace.aws.aws_errors import AwsFailure, classify
from headrace.clock import Clock
from headrace.retry import Backoff, Jitter

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True, slots=True)
class RetryPolicy(Backoff):
    """How often and how long to retry a transient AWS failure: a :class:`Backoff` with
    full jitter and AWS's numbers."""

    # The first retry waits up to this long; each further one up to twice as long.
    base: float = 0.2
    # No single wait is longer than this.
    cap: float = 5.0
    jitter: Jitter = Jitter.FULL
    # Five tries ride out a short blip (~3 s of backoff on average) before the lane shows a
    # problem and backs off on its own, longer timer.
    attempts: int = 5


@dataclass(slots=True)
class Retrier:
    """Runs AWS calls under a :class:`RetryPolicy`; counts retries and failures."""

    clock: Clock
    source_arn: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    rng: random.Random = field(default_factory=random.Random)
    retries: int = 0
    failures: int = 0
    last_failure: AwsFailure | None = None

    async def call(self, operation: str, fn: Callable[[], Awaitable[T]]) -> T:
        """Await ``fn()``; retry transient failures; raise SourceUnavailable when it gives up.

        Exceptions that are not AWS or network failures propagate unchanged.
        """
        retry = 0
        while True:
            try:
                return await fn()
            except Exception as exc:
                failure = classify(exc, operation)
                if failure is None:
                    raise
                self.last_failure = failure
                retry += 1
                if not failure.transient or self.policy.exhausted(retry):
                    self.failures += 1
                    raise failure.to_error(self.source_arn) from exc
                self.retries += 1
                await self.policy.wait(self.clock, retry, self.rng)
