"""Publishing a running engine's status for `headrace status`: best effort, never fatal.

The publisher writes the engine's mapping snapshots to the status store whenever they
changed (an idle engine writes nothing). A write can fail — the file's write lock held by
another process past the busy timeout, a full disk — and that must not touch the run:
the publisher logs one warning when an outage starts and one line when it ends, tries
again with a back-off on the injected clock (so `status` goes stale for a while, then
catches up), and never raises. At shutdown :meth:`StatusPublisher.retire` writes the last
snapshot and clears the engine record, also best effort: a run that did its work exits as
it would have, whatever the state file says.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from headrace.clock import Clock
from headrace.errors import HeadraceError
from headrace.state.state_seam import EngineRecord, StatusStore
from headrace.statistics import MappingStatistics

log = logging.getLogger("headrace")

# How often a running engine looks whether its statistics changed, and publishes them if so.
PUBLISH_SECONDS = 1.0
# After a failed write the next try waits the first figure, doubling per failure up to the
# second: a lock held for minutes costs a few tries, and status catches up soon after.
RETRY_SECONDS = (1.0, 30.0)


class StatusPublisher:
    """Writes one engine's snapshots to a :class:`~headrace.state.state_seam.StatusStore`.

    ``snapshot`` returns the mappings' statistics now; ``record`` the engine record to
    write with them. The store is async and keeps its I/O off the loop.
    """

    def __init__(
        self,
        store: StatusStore,
        snapshot: Callable[[], Sequence[MappingStatistics]],
        record: Callable[[], EngineRecord],
        *,
        clock: Clock,
    ) -> None:
        self._store = store
        self._snapshot = snapshot
        self._record = record
        self._clock = clock
        self._failures = 0  # consecutive failed writes: > 0 during an outage
        self.writes = 0

    @property
    def failing(self) -> bool:
        """Whether the last write failed (an outage is going on)."""
        return self._failures > 0

    async def run(self) -> None:
        """Publish each change until cancelled; a failed write is retried after a back-off."""
        published: Sequence[MappingStatistics] | None = None
        while True:
            current = self._snapshot()
            delay = PUBLISH_SECONDS
            if current != published:
                if await self._write(current):
                    published = current
                else:
                    delay = self._retry_delay()
            await self._clock.sleep(delay)

    async def retire(self, pid: int) -> None:
        """At shutdown: the last snapshot, then forget the engine record. Never raises.

        If the last snapshot cannot be written, clearing would fail the same way and is not
        tried; `status` tells a stopped engine by its pid anyway.
        """
        if await self._write(self._snapshot()):
            await self._attempt(self._store.clear_engine(pid))

    async def _write(self, snapshot: Sequence[MappingStatistics]) -> bool:
        if not await self._attempt(self._store.publish(self._record(), snapshot)):
            return False
        self.writes += 1
        return True

    async def _attempt(self, call: Awaitable[None]) -> bool:
        """Await one store call; log the start and the end of an outage, never raise."""
        try:
            await call
        except (HeadraceError, OSError) as exc:
            if not self._failures:
                log.warning("status not published (`headrace status` goes stale): %s", exc)
            self._failures += 1
            return False
        if self._failures:
            log.info("status published again after %d failed writes", self._failures)
            self._failures = 0
        return True

    def _retry_delay(self) -> float:
        first, cap = RETRY_SECONDS
        doublings = min(self._failures - 1, 16)  # the cap is reached long before
        return float(min(cap, first * 2**doublings))
