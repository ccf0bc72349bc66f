"""The engine: runs every mapping in one task group and knows when the work is drained.

It sees mappings and sources only through their Protocols; which concrete source or
function runtime backs a mapping is decided in :mod:`headrace.app`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from headrace.clock import Clock, SystemClock
from headrace.config.model import EventSourceMappingConfig
from headrace.esm.queues.queue_mapping import QueueMapping
from headrace.esm.streams.stream_mapping import StreamMapping
from headrace.sources.base import QueueSource
from headrace.statistics import MappingStatistics

# The drain check runs after every batch; this re-check only guards against a wake-up that
# never comes (it is not how draining is detected).
DRAIN_RECHECK_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class RunResult:
    """How a run ended: ``drained`` is True when --until-drained saw every source empty."""

    drained: bool
    timed_out: bool = False
    forced: bool = False  # a forced stop cancelled the mappings (in-flight batches returned)


class RunningMapping(Protocol):
    """What the engine needs of a queue or stream mapping."""

    @property
    def config(self) -> EventSourceMappingConfig: ...

    @property
    def uuid(self) -> str: ...

    async def run(self) -> None: ...

    def stop(self) -> None: ...

    def watch(self, event: asyncio.Event) -> None: ...

    def statistics(self) -> MappingStatistics: ...


class Binding(Protocol):
    """A running mapping and how to tell that its work is drained."""

    @property
    def mapping(self) -> RunningMapping: ...

    async def drained(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class MappingBinding:
    """A queue mapping and the source it reads (the drain check asks for its depth)."""

    mapping: QueueMapping
    source: QueueSource

    async def drained(self) -> bool:
        """No batch in flight and nothing visible, delayed or in flight in the queue."""
        if self.mapping.statistics().in_flight_batches:
            return False
        return not (await self.source.depth()).total


@dataclass(frozen=True, slots=True)
class StreamBinding:
    """A stream mapping: drained when every shard's checkpoint is at its tip (design.md)."""

    mapping: StreamMapping

    async def drained(self) -> bool:
        return await self.mapping.drained()


class Engine:
    """Runs mappings until stopped, or until drained when asked."""

    def __init__(self, bindings: Sequence[Binding], *, clock: Clock | None = None) -> None:
        self.bindings: list[Binding] = list(bindings)
        self._clock = clock or SystemClock()
        self._stop = asyncio.Event()
        self._progress = asyncio.Event()
        self._running: list[asyncio.Task[None]] = []
        self.forced = False
        for binding in self.bindings:
            binding.mapping.watch(self._progress)

    def stop(self, *, force: bool = False) -> None:
        """Stop: gracefully (in-flight batches finish, no new ones start), or by ``force``.

        A forced stop (a second Ctrl-C) cancels every mapping: invocations in flight are
        cancelled (their workers killed), queue messages they held go back to their queue
        at once, and unsettled stream records are not checkpointed, so a restart reads
        them again. Nothing is lost and nothing unprocessed is deleted.
        """
        self._stop.set()
        if force and not self.forced:
            self.forced = True
            for task in self._running:
                task.cancel()

    def statistics(self) -> list[MappingStatistics]:
        return [b.mapping.statistics() for b in self.bindings]

    async def run(self, *, until_drained: bool = False, timeout: float | None = None) -> RunResult:
        """Run every mapping; return when stopped, drained (if asked) or timed out."""
        outcome: dict[str, bool] = {"drained": False, "timed_out": False}
        async with asyncio.TaskGroup() as group:
            self._running = [
                group.create_task(binding.mapping.run(), name=f"mapping:{binding.mapping.uuid}")
                for binding in self.bindings
            ]
            watchers = []
            if until_drained:
                watchers.append(group.create_task(self._watch_drain(outcome)))
            if timeout is not None:
                watchers.append(group.create_task(self._watch_timeout(timeout, outcome)))
            await self._stop.wait()
            for binding in self.bindings:
                binding.mapping.stop()
            for watcher in watchers:
                watcher.cancel()
        return RunResult(
            drained=outcome["drained"], timed_out=outcome["timed_out"], forced=self.forced
        )

    async def drained(self) -> bool:
        """True when every enabled mapping's source is drained and no batch is in flight."""
        for binding in self.bindings:
            if not binding.mapping.config.enabled:
                continue
            if not await binding.drained():
                return False
        return True

    async def _watch_drain(self, outcome: dict[str, bool]) -> None:
        while not self._stop.is_set():
            self._progress.clear()
            if await self.drained():
                outcome["drained"] = True
                self.stop()
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress.wait(), DRAIN_RECHECK_SECONDS)

    async def _watch_timeout(self, timeout: float, outcome: dict[str, bool]) -> None:
        await self._clock.sleep(timeout)
        if not self._stop.is_set():
            outcome["timed_out"] = True
            self.stop()
