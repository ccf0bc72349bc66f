"""How many batches a queue mapping runs at once (§5.6-5.9).

AWS starts five concurrent batches when messages are available, adds up to 300 per minute
while messages remain, and scales back when the queue runs dry. ``MaximumConcurrency`` and
the function's reserved concurrency are hard caps. :class:`QueueScaler` is pure logic over a
clock, so tests drive it with a ``FakeClock``.
"""

from __future__ import annotations

from dataclasses import dataclass

from headrace.clock import Clock

# §5.6 CONFLICT: the newest AWS text says 1,250 concurrent invokes; older text said 1,000.
DEFAULT_CEILING = 1250


@dataclass(frozen=True, kw_only=True, slots=True)
class ScalingPolicy:
    """The numbers of §5.6; ``ceiling`` is configurable (CONFLICT: 1,000 vs 1,250)."""

    initial: int = 5  # §5.6: five concurrent batches to start with
    per_minute: int = 300  # §5.6: up to 300 more concurrent invokes per minute
    ceiling: int = DEFAULT_CEILING
    maximum: int | None = None  # min(ScalingConfig.MaximumConcurrency, function concurrency)

    @property
    def cap(self) -> int:
        return self.ceiling if self.maximum is None else min(self.ceiling, self.maximum)

    @property
    def floor(self) -> int:
        return min(self.initial, self.cap)


class QueueScaler:
    """The target number of concurrent batches for one queue mapping."""

    def __init__(self, policy: ScalingPolicy, clock: Clock) -> None:
        self.policy = policy
        self._clock = clock
        self.target = policy.floor
        self._grown_at = clock.monotonic()

    def on_backlog(self) -> int:
        """A receive came back full: messages remain, so grow at up to 300 a minute."""
        now = self._clock.monotonic()
        allowance = int((now - self._grown_at) * self.policy.per_minute / 60)
        if allowance > 0:
            self.target = min(self.policy.cap, self.target + allowance)
            self._grown_at = now
        elif self.target >= self.policy.cap:
            self._grown_at = now
        return self.target

    def on_idle(self) -> int:
        """A receive came back empty: the queue ran dry, scale back to the floor."""
        self.target = self.policy.floor
        self._grown_at = self._clock.monotonic()
        return self.target

    def on_function_error(self) -> int:
        """A function error without partial responses: back off by one batch (§4.1.3)."""
        self.target = max(1, self.target - 1)
        return self.target
