"""One lane of a shard: an in-order sequence of batches for the keys that hash to it (§5.2).

A lane waits for records (the shard's reader pushes them; no timer), lets the batching
window run (§2.2), reserves a worker, and only then takes its batch, so a batch never waits
for a worker. Failed batches are retried before anything after them (§4.2.1): a failing
lane blocks only its own keys (§5.3 choice). What one invocation does to its batch is in
:mod:`headrace.esm.streams.invocation`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from headrace.clock import wait_or_sleep
from headrace.esm.streams.invocation import Segment, run_one
from headrace.esm.streams.ledger import Entry, ShardLedger
from headrace.esm.streams.retry_book import RetryBook
from headrace.esm.streams.stream_batch import count_ready
from headrace.esm.streams.stream_context import StreamContext
from headrace.esm.streams.windows import OpenWindow
from headrace.functions.function_seam import Slot


class ShardHost(Protocol):
    """What a lane needs from its shard poller."""

    @property
    def shard_id(self) -> str: ...

    @property
    def ledger(self) -> ShardLedger: ...

    @property
    def stopping(self) -> bool: ...

    @property
    def input_complete(self) -> bool:
        """The reader is at the tip or the shard's end: no older record is still unread."""
        ...

    @property
    def ended(self) -> bool:
        """The shard was closed and read to its end."""
        ...

    @property
    def in_flight(self) -> int:
        """Invocations of this shard running now."""
        ...

    @in_flight.setter
    def in_flight(self, value: int) -> None: ...

    @property
    def retry_book(self) -> RetryBook:
        """The shard's batches waiting for a retry, kept with its checkpoint."""
        ...

    def note_sent(self, last: Entry) -> None:
        """A batch ending with ``last`` is being sent (IteratorAge, §7.6)."""
        ...

    def after_settle(self) -> None:
        """Records were settled: store the checkpoint, let the reader read on."""
        ...

    def after_batch(self) -> None:
        """An invocation ended: the reader may read on, the poller looks again."""
        ...


class Lane:
    """The batches of one lane of one shard, in order."""

    def __init__(self, host: ShardHost, ctx: StreamContext, index: int) -> None:
        self.host = host
        self.ctx = ctx
        self.index = index
        self.pending: deque[Entry] = deque()
        self.retries: deque[Segment] = deque()
        self.window: OpenWindow | None = None
        self.busy = False
        self.retry_at: float | None = None  # monotonic time the next retry may start
        self._wake = asyncio.Event()

    @property
    def idle(self) -> bool:
        """Nothing to do now or later: no records, no retries, no open window."""
        return not self.pending and not self.retries and self.window is None

    def push(self, entry: Entry) -> None:
        """A record for this lane, in shard order."""
        self.pending.append(entry)
        self._wake.set()

    def poke(self) -> None:
        """Look again: the reader reached the tip or the end (a window may close)."""
        self._wake.set()

    async def run(self) -> None:
        """Process batches until the shard poller stops (it cancels the lane when idle)."""
        while not self.host.stopping:
            self._wake.clear()
            if not self._ready():
                await self._wait()
                continue
            if self.ctx.rules.batching_window_seconds and not self.retries:
                await self._batching_window()
            async with self._reserve() as slot:
                if self.host.stopping:
                    return
                self.busy = True
                try:
                    await run_one(self, slot)
                finally:
                    self.busy = False
                    self.host.after_batch()
                    self.ctx.changed()

    def window_due(self) -> bool:
        """Whether the open window's final invocation should be made now (§3.4.4)."""
        window = self.window
        if window is None or self.retries:
            return False
        if window.terminated_early:
            return True
        head = self.pending[0] if self.pending else None
        if head is not None:
            return head.window_start != window.start
        if self.host.ended:
            return True  # §3.4.7: a shard's end closes its windows
        return self.host.input_complete and self.ctx.clock.time() >= window.end

    def _ready(self) -> bool:
        if self.retry_at is not None:
            if self.ctx.clock.monotonic() < self.retry_at:
                return False
            self.retry_at = None
        return bool(self.retries or self.window_due() or self.pending)

    async def _wait(self) -> None:
        """Sleep until pushed or poked, or until a retry or a window's end is due."""
        clock = self.ctx.clock
        timeout: float | None = None
        if self.retry_at is not None and (self.retries or self.window is not None):
            timeout = self.retry_at - clock.monotonic()
        elif self.window is not None and self.host.input_complete:
            timeout = self.window.end - clock.time()
        if timeout is None:
            await self._wake.wait()
            return
        await wait_or_sleep(clock, self._wake, timeout)

    async def _batching_window(self) -> None:
        """§2.2: gather up to BatchSize records for at most the window, then go."""
        rules = self.ctx.rules
        deadline = self.ctx.clock.monotonic() + rules.batching_window_seconds
        while count_ready(self.pending, rules.batch_size) < rules.batch_size:
            if self.host.stopping or self.host.ended or self.window_due():
                return
            remaining = deadline - self.ctx.clock.monotonic()
            if remaining <= 0:
                return
            self._wake.clear()
            await wait_or_sleep(self.ctx.clock, self._wake, remaining)

    def _reserve(self) -> AbstractAsyncContextManager[Slot]:
        # try_reserve counts a throttle when no worker is free; then wait for one.
        runtime = self.ctx.runtime
        return runtime.try_reserve() or runtime.reserve()
