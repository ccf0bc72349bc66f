"""One queue event source mapping: its lifecycle, its lanes and its statistics.

The mapping runs inside a task group owned by the engine. It keeps as many lanes as the
scaler's target, each lane one concurrent batch (§5.6). Stopping is graceful: idle lanes are
cancelled, busy lanes finish their batch (or, if cancelled anyway, their messages return to
the queue through the visibility timeout).
"""

from __future__ import annotations

import asyncio

from headrace.config.model import EventSourceMappingConfig
from headrace.esm.mapping_core import MappingCore, MappingRecord
from headrace.esm.queues.queue_poller import QueuePoller


class QueueMapping(MappingCore):
    """A running SQS-style mapping. ``run()`` returns when ``stop()`` has taken effect."""

    def __init__(
        self,
        config: EventSourceMappingConfig,
        poller: QueuePoller,
        record: MappingRecord,
    ) -> None:
        super().__init__(config, record)
        self.poller = poller
        self._lanes: dict[int, asyncio.Task[None]] = {}
        poller.watchers.append(self._wake)

    def watch(self, event: asyncio.Event) -> None:
        """Have ``event`` set after every batch of this mapping (drain checks wait on it)."""
        self.poller.watchers.append(event)

    async def _run_enabled(self) -> None:
        """Keep the scaler's number of lanes alive until stopped."""
        async with asyncio.TaskGroup() as group:
            self.poller.tasks = group  # the lanes' settles run here too
            while not self._stopping.is_set():
                self._wake.clear()
                self._fill_lanes(group)
                await self._wait_for_change()
            self._cancel_idle_lanes()

    def _stop_work(self) -> None:
        # Idle lanes end now; busy ones finish their batch.
        self._cancel_idle_lanes()

    def _concurrency(self) -> int:
        return sum(1 for t in self._lanes.values() if not t.done())

    def _fill_lanes(self, group: asyncio.TaskGroup) -> None:
        for lane in range(self.poller.scaler.target):
            task = self._lanes.get(lane)
            if task is None or task.done():
                self._lanes[lane] = group.create_task(
                    self.poller.run_lane(lane, self._stopping), name=f"{self.uuid}:lane{lane}"
                )

    async def _wait_for_change(self) -> None:
        # Wakes when stopping, or after a batch (the scaler may want more lanes).
        await self._wake.wait()

    def _cancel_idle_lanes(self) -> None:
        for lane, task in self._lanes.items():
            if not task.done() and not self.poller.is_busy(lane):
                task.cancel()
