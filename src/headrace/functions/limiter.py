"""A function's concurrency limit: ``ReservedConcurrentExecutions`` units, shared by every
mapping that invokes the function.

Unlike :class:`asyncio.Semaphore` it can be taken without awaiting (``try_acquire``), which
``FunctionRuntime.try_reserve`` needs to decide *now* whether a slot is free; waiters are
served first come, first served, and a cancelled waiter never leaks a unit.
"""

from __future__ import annotations

import asyncio
import collections


class ConcurrencyLimiter:
    """``limit`` units; ``acquire`` waits for one, ``release`` gives it back."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"concurrency limit must be at least 1, got {limit}")
        self._limit = limit
        self._in_use = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def in_use(self) -> int:
        """Units held right now."""
        return self._in_use

    @property
    def waiting(self) -> int:
        """Callers waiting in ``acquire``."""
        return sum(1 for waiter in self._waiters if not waiter.done())

    def grow(self, limit: int) -> None:
        """Raise the limit to ``limit`` (a lower one changes nothing); waiters get the new
        units at once."""
        while self._limit < limit:
            self._limit += 1
            for waiter in self._waiters:
                if not waiter.done():
                    self._in_use += 1
                    waiter.set_result(None)
                    break

    def try_acquire(self) -> bool:
        """Take a unit if one is free and nobody waits ahead; never blocks."""
        if self._in_use < self._limit and not self.waiting:
            self._in_use += 1
            return True
        return False

    async def acquire(self) -> None:
        """Wait for a unit (FIFO). Cancellation while waiting takes nothing."""
        if self.try_acquire():
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._hand_over()  # we were given a unit as we were cancelled: pass it on
            raise
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def release(self) -> None:
        """Give a unit back; the longest waiter gets it."""
        if self._in_use <= 0:
            raise RuntimeError("release() without a matching acquire()")
        self._hand_over()

    def _hand_over(self) -> None:
        """Pass one held unit to the first live waiter, or free it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the unit moves to the waiter: in_use unchanged
                return
        self._in_use -= 1
