"""Writing checkpoints behind the lanes: one small transaction per settled batch at most.

Lanes call :meth:`CheckpointWriter.update` when a shard's checkpoint moves; a single writer
task stores the newest position of every changed shard in one transaction through the
async :class:`~headrace.state.state_seam.CheckpointStore` (which keeps its I/O off the
loop). Under load several batches' updates share a transaction; a lane never waits for the
disk. :meth:`CheckpointWriter.flush` stores what is left when the mapping stops.

A shard's batches waiting for a retry (:meth:`CheckpointWriter.update_retrying`, only on
failures) ride in the same transactions, so a restart resumes them with their history.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from headrace.clock import Clock, SystemClock
from headrace.errors import HeadraceError
from headrace.retry import Backoff
from headrace.state.state_seam import CheckpointStore, MappingCheckpoints, RetryState

log = logging.getLogger("headrace.streams")

# Wait before writing again after a failed checkpoint write (a busy or broken file): a
# fixed second on the mapping's clock, long enough not to spin on a locked file.
RETRY_WRITE_SECONDS = 1.0


class CheckpointWriter:
    """Coalesces checkpoint updates of one mapping and writes them to a store."""

    def __init__(
        self, store: CheckpointStore, mapping_uuid: str, *, clock: Clock | None = None
    ) -> None:
        self._store = store
        self._uuid = mapping_uuid
        self._clock = clock or SystemClock()
        self._pending: dict[str, str] = {}
        self._retrying: dict[str, tuple[RetryState, ...]] = {}
        self._dirty = asyncio.Event()
        self._lock = asyncio.Lock()
        self.writes = 0
        self.saved: dict[str, str] = {}  # what the store holds, as far as this writer knows

    async def load(self) -> MappingCheckpoints:
        """The mapping's stored checkpoints."""
        loaded = await self._store.load(self._uuid)
        self.saved.update(loaded.positions)
        return loaded

    def update(self, shard_id: str, position: str) -> None:
        """Remember a shard's new position; the writer task stores it soon."""
        self._pending[shard_id] = position
        self._dirty.set()

    def update_retrying(self, shard_id: str, states: tuple[RetryState, ...]) -> None:
        """Remember a shard's batches waiting for a retry; stored with the next write."""
        self._retrying[shard_id] = states
        self._dirty.set()

    async def save_now(self, positions: Mapping[str, str]) -> None:
        """Store ``positions`` at once (a resolved LATEST start, a finished shard)."""
        self._pending.update(positions)
        await self.flush()

    async def run(self) -> None:
        """Write pending updates as they come, until cancelled.

        A failed write (a busy or broken file) is logged and tried again a little later;
        the updates stay pending, so nothing settled is forgotten.
        """
        while True:
            await self._dirty.wait()
            try:
                await self.flush()
            except HeadraceError as exc:
                log.warning("checkpoints of mapping %s not saved yet: %s", self._uuid, exc)
                retry = Backoff(base=RETRY_WRITE_SECONDS, cap=RETRY_WRITE_SECONDS)
                await retry.wait(self._clock, 1)

    async def flush(self) -> None:
        """Store every pending update now (in one transaction)."""
        async with self._lock:
            self._dirty.clear()
            if not self._pending and not self._retrying:
                return
            batch, self._pending = self._pending, {}
            retrying, self._retrying = self._retrying, {}
            try:
                # Retry states only after a failure: a settled batch's write stays as it was.
                if retrying:
                    await self._store.save(self._uuid, batch, retrying)
                else:
                    await self._store.save(self._uuid, batch)
            except BaseException:
                # Not stored: keep them (newer updates of the same shard win).
                self._pending = {**batch, **self._pending}
                self._retrying = {**retrying, **self._retrying}
                self._dirty.set()
                raise
            self.writes += 1
            self.saved.update(batch)
