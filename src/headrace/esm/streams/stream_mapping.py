"""One stream event source mapping: its shards, their order, checkpoints and statistics.

The mapping lists the stream's shards and runs a :class:`ShardPoller` for each shard whose
parents are finished (§5.5 choice: parent before child, so a key's records stay in order
across reshards); when a shard finishes, it stores ``SHARD_END`` and starts the children.
A shard starts at its stored checkpoint (§7.3-7.4); without one, at the mapping's
StartingPosition (§7.1) — except shards that appeared after the mapping first started,
which are read from their first record. A LATEST start is resolved once, to each shard's
newest record, and stored, so a restart never skips what was put in between.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, replace
from typing import Any

from headrace.config.model import EventSourceMappingConfig
from headrace.esm.mapping_core import MappingCore, MappingRecord
from headrace.esm.streams.shard_poller import ShardPoller
from headrace.esm.streams.stream_context import StreamContext
from headrace.sources.source_seam import StreamShard, StreamStart
from headrace.state.state_seam import SHARD_END, TRIM_HORIZON, RetryState
from headrace.statistics import MappingStatistics

# §1.3.4: the StateTransitionReason stream mappings report.
USER_ACTION = "User action"


@dataclass(frozen=True, slots=True)
class ShardStart:
    """Where one shard's poller starts, and the checkpoint it starts from."""

    start: StreamStart
    checkpoint: str | None


class StreamMapping(MappingCore):
    """A running stream mapping. ``run()`` returns when ``stop()`` has taken effect."""

    transition_reason = USER_ACTION

    def __init__(
        self,
        config: EventSourceMappingConfig,
        ctx: StreamContext,
        record: MappingRecord,
    ) -> None:
        super().__init__(config, record)
        self.ctx = ctx
        self._pollers: dict[str, ShardPoller] = {}
        self._positions: dict[str, str] = {}
        # Each shard's batches waiting for a retry when the mapping last stopped.
        self._retrying: dict[str, tuple[RetryState, ...]] = {}
        self._discovering = True  # until the first look at the shards is done
        # The source call running in run() itself (listing shards, loading): a stop cancels
        # it, since a real source retries a missing stream until it appears.
        self._step: asyncio.Future[None] | None = None

    def watch(self, event: asyncio.Event) -> None:
        """Have ``event`` set after every batch and shard change (drain checks wait on it)."""
        self.ctx.watchers.append(event)

    async def _run_enabled(self) -> None:
        """Keep a poller on every shard whose parents are finished, until stopped."""
        try:
            # The checkpoint writer runs beside the shards, in a group of its own: it ends
            # (cancelled) once every shard poller did, and nothing outlives the mapping.
            async with asyncio.TaskGroup() as tasks:
                writer = tasks.create_task(
                    self.ctx.checkpoints.run(), name=f"{self.uuid}:checkpoints"
                )
                try:
                    await self._run_shards()
                finally:
                    writer.cancel()
        finally:
            await asyncio.shield(self.ctx.checkpoints.flush())

    async def _run_shards(self) -> None:
        """Load the checkpoints, then keep a poller on every readable shard until stopped."""
        if not await self._stoppable(self._load()):
            return
        async with asyncio.TaskGroup() as group:
            while not self._stopping.is_set():
                self._wake.clear()
                self._discovering = True
                if not await self._stoppable(self._discover(group)):
                    break
                self._discovering = False
                self.ctx.changed()
                await self._wake.wait()
            for poller in self._pollers.values():
                poller.stop()

    def _stop_work(self) -> None:
        # Running batches finish and checkpoint; a source call of run() itself is cancelled.
        if self._step is not None:
            self._step.cancel()
        for poller in self._pollers.values():
            poller.stop()

    async def drained(self) -> bool:
        """Every shard finished or at its tip with nothing unsettled, nothing in flight."""
        if not self.config.enabled:
            return True
        if self._discovering or self._wake.is_set():
            return False
        source = self.ctx.source
        for shard in await source.list_shards():
            if self._positions.get(shard.shard_id) == SHARD_END:
                continue
            poller = self._pollers.get(shard.shard_id)
            if poller is None or poller.finished or not poller.quiet:
                return False
            last = poller.ledger.last_read
            # A lost cross-process wake-up must not end a run early: ask the source.
            if last is not None and await source.has_records_after(shard.shard_id, last):
                return False
        return True

    def _concurrency(self) -> int:
        return sum(p.in_flight for p in self._pollers.values())

    def statistics(self) -> MappingStatistics:
        shards = tuple(p.statistics() for p in self._pollers.values())
        return replace(super().statistics(), shards=shards)

    async def _stoppable(self, step: Coroutine[Any, Any, None]) -> bool:
        """Run ``step``; False if a stop cancelled it (it is then abandoned).

        Only the stop's cancel of the step is absorbed: a cancel of this task (a forced
        stop, a failing group) propagates even when it lands as the stop's does.
        """
        if self._stopping.is_set():
            step.close()
            return False
        self._step = asyncio.ensure_future(step)
        try:
            await self._step
        except asyncio.CancelledError:
            if not self._stopping.is_set() or not self._step.cancelled() or _cancelling():
                raise
            return False
        finally:
            self._step = None
        return True

    async def _load(self) -> None:
        saved = await self.ctx.checkpoints.load()
        self._positions = dict(saved.positions)
        self._retrying = dict(saved.retrying)
        if saved.started:
            return
        initial: dict[str, str] = {}
        if self.ctx.rules.starting_position.kind == "LATEST":
            initial = await self._resolve_latest()
        await self.ctx.checkpoints.save_now(initial)
        self._positions.update(initial)

    async def _resolve_latest(self) -> dict[str, str]:
        """§7.1 LATEST: each shard's newest record now (closed shards are done already)."""
        source = self.ctx.source
        positions: dict[str, str] = {}
        for shard in await source.list_shards():
            if shard.closed:
                positions[shard.shard_id] = SHARD_END
            else:
                latest = await source.latest_sequence_number(shard.shard_id)
                positions[shard.shard_id] = latest or TRIM_HORIZON
        return positions

    async def _discover(self, group: asyncio.TaskGroup) -> None:
        shards = await self.ctx.source.list_shards()
        listed = {shard.shard_id for shard in shards}
        for shard in shards:
            shard_id = shard.shard_id
            if shard_id in self._pollers or self._positions.get(shard_id) == SHARD_END:
                continue
            if any(self._unfinished(parent, listed) for parent in shard.parent_shard_ids):
                continue  # §5.5: a child waits until its parents are read to their end
            where = self._start_of(shard)
            retrying = self._retrying.pop(shard_id, ())
            poller = ShardPoller(shard, where.start, where.checkpoint, self.ctx, retrying)
            self._pollers[shard_id] = poller
            group.create_task(self._run_shard(poller), name=f"{self.uuid}:{shard_id}")

    def _unfinished(self, parent: str, listed: set[str]) -> bool:
        # A parent no longer listed was trimmed by retention: nothing left to read there.
        return parent in listed and self._positions.get(parent) != SHARD_END

    def _start_of(self, shard: StreamShard) -> ShardStart:
        stored = self._positions.get(shard.shard_id)
        if stored == TRIM_HORIZON:
            return ShardStart(StreamStart("TRIM_HORIZON"), None)
        if stored is not None:
            return ShardStart(StreamStart("AFTER_SEQUENCE_NUMBER", stored), stored)
        starting = self.ctx.rules.starting_position
        if starting.kind == "LATEST":
            # Every shard there at the first start has a stored position: this one is new.
            return ShardStart(StreamStart("TRIM_HORIZON"), None)
        return ShardStart(starting, None)

    async def _run_shard(self, poller: ShardPoller) -> None:
        if await poller.run():
            await self.ctx.checkpoints.save_now({poller.shard_id: SHARD_END})
            self._positions[poller.shard_id] = SHARD_END
            self._wake.set()


def _cancelling() -> bool:
    """Whether a cancel of the running task itself is pending (not just of what it awaits)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
