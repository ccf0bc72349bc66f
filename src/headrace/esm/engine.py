"""The engine: runs every mapping in one task group, takes mappings while it runs, and
knows when the work is drained.

It sees mappings and sources only through their Protocols; which concrete source or
function runtime backs a mapping is decided by the :class:`BindingFactory` that
:mod:`headrace.app` passes in. Mappings come and go through :meth:`Engine.create`,
:meth:`Engine.update` and :meth:`Engine.delete`, each through AWS's states (§1.4); the
config file's mappings are simply the first ``create`` calls.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from headrace.clock import Clock, SystemClock
from headrace.config.model import EventSourceMappingConfig
from headrace.errors import HeadraceError, ResourceConflictException, ResourceNotFoundException
from headrace.esm.bindings import (
    Binding,
    BindingFactory,
    MappingBinding,
    RunningMapping,
    SourceOpener,
    StreamBinding,
)
from headrace.esm.lifecycle import Lifecycle, MappingState
from headrace.esm.live import LiveMapping, MappingDescription, changed_config
from headrace.esm.mapping_core import MappingRecord
from headrace.statistics import MappingStatistics

__all__ = [
    "Binding",
    "BindingFactory",
    "Engine",
    "MappingBinding",
    "MappingDescription",
    "RunResult",
    "RunningMapping",
    "SourceOpener",
    "StreamBinding",
]

# The drain check runs after every batch; this re-check only guards against a wake-up that
# never comes (it is not how draining is detected).
DRAIN_RECHECK_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class RunResult:
    """How a run ended: ``drained`` is True when --until-drained saw every source empty."""

    drained: bool
    timed_out: bool = False
    forced: bool = False  # a forced stop cancelled the mappings (in-flight batches returned)


class Engine:
    """Runs mappings until stopped, or until drained when asked.

    ``bindings`` are mappings built already (tests); ``factory`` builds the rest, on
    :meth:`create` and again on every update (required for :meth:`update`). ``sources``,
    when given, opens a created mapping's source before its first build and closes it once
    the mapping is deleted (:class:`SourceOpener`).
    """

    def __init__(
        self,
        bindings: Sequence[Binding] = (),
        *,
        factory: BindingFactory | None = None,
        sources: SourceOpener | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._factory = factory
        self._sources = sources
        self._creating: set[str] = set()  # UUIDs whose source is being opened
        self._clock = clock or SystemClock()
        self._stop = asyncio.Event()
        self._progress = asyncio.Event()
        self._live: dict[str, LiveMapping] = {}
        self._group: asyncio.TaskGroup | None = None
        self._ended = False  # run() has returned or raised: no change takes effect any more
        self.forced = False
        for binding in bindings:
            self._add(LiveMapping(binding.mapping.config, binding, binding.mapping.record))

    # -- the control plane ------------------------------------------------------------

    async def create(self, config: EventSourceMappingConfig) -> MappingDescription:
        """Add a mapping: Creating, then Enabled once it runs, or Disabled at once (§1.4.2-3).

        The mapping's source is opened first (``sources``): one that cannot be opened
        refuses the create with AWS's InvalidParameterValueException (§1.6.11, §1.6.12)
        and no mapping is kept. Raises ResourceConflictException if a mapping with this
        UUID exists, and whatever the factory raises for a config it cannot serve.
        """
        self._check_new(config.uuid)
        self._creating.add(config.uuid)
        try:
            if self._sources is not None:
                await self._sources.open(config)
            try:
                record = MappingRecord(lifecycle=Lifecycle(self._clock.time()))
                live = LiveMapping(config, self._build(config, record), record)
                # §1.3.4: the kind's spelling of the reason from the first response on.
                record.lifecycle.reason = live.binding.mapping.transition_reason or (
                    record.lifecycle.reason
                )
            except BaseException:
                await self._close_source(config.uuid)
                raise
        finally:
            self._creating.discard(config.uuid)
        if not config.enabled:
            record.lifecycle.move(MappingState.DISABLED)  # §1.4.3: Disabled in the response
        self._add(live)
        return live.describe()

    def update(self, uuid: str, changes: Mapping[str, Any]) -> MappingDescription:
        """Change a mapping's fields (UpdateEventSourceMapping): Enabling, Disabling or
        Updating now (§1.4.4-1.4.6), Enabled or Disabled once in-flight batches finished
        and the new config runs. ResourceInUseException while Creating (§1.4.8)."""
        live = self._get(uuid)
        config = changed_config(live.config, changes)
        binding = self._build(config, live.record)  # a config it cannot serve changes nothing
        lifecycle = live.record.lifecycle
        lifecycle.move(_transition(live.config, config))
        lifecycle.last_modified = self._clock.time()
        live.config, live.pending, live.dirty = config, binding, True
        self._reconcile(live)
        return live.describe()

    def enable(self, uuid: str) -> MappingDescription:
        """UpdateEventSourceMapping with Enabled true (§1.4.4)."""
        return self.update(uuid, {"Enabled": True})

    def disable(self, uuid: str) -> MappingDescription:
        """UpdateEventSourceMapping with Enabled false (§1.4.5): the mapping stops reading;
        batches in flight finish and are settled first."""
        return self.update(uuid, {"Enabled": False})

    def delete(self, uuid: str) -> MappingDescription:
        """Delete a mapping: Deleting now; gone once its in-flight batches finished (§1.4.7).
        ResourceInUseException while Creating or Updating (§1.4.8)."""
        live = self._get(uuid)
        live.record.lifecycle.move(MappingState.DELETING)
        live.deleting, live.pending, live.dirty = True, None, True
        self._reconcile(live)
        return live.describe()

    def get(self, uuid: str) -> MappingDescription:
        """The mapping's description; ResourceNotFoundException once deleted (§1.4.7)."""
        return self._get(uuid).describe()

    def list(self) -> builtins.list[MappingDescription]:
        """Every mapping, in the order created."""
        return [live.describe() for live in self._live.values()]

    async def settled(self, uuid: str) -> None:
        """Wait until the mapping's last change took effect, it is gone, or the engine's
        :meth:`run` has ended (stopped, or its task group failed).

        Returns in every one of these cases, without saying which: once the run has ended
        no change takes effect any more (a delete cut short by the stop leaves the mapping
        Deleting), so a caller that must know reads :meth:`get`. Before :meth:`run` starts
        it waits (the run brings the mapping in line).
        """
        while not self._ended and uuid in self._live and not self._live[uuid].settled:
            self._progress.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress.wait(), DRAIN_RECHECK_SECONDS)

    # -- running ------------------------------------------------------------------------

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
            for live in self._live.values():
                if live.task is not None:
                    live.task.cancel()

    def statistics(self) -> builtins.list[MappingStatistics]:
        return [live.statistics() for live in self._live.values()]

    async def run(self, *, until_drained: bool = False, timeout: float | None = None) -> RunResult:
        """Run every mapping; return when stopped, drained (if asked) or timed out."""
        outcome: dict[str, bool] = {"drained": False, "timed_out": False}
        try:
            async with asyncio.TaskGroup() as group:
                self._group = group
                for live in list(self._live.values()):
                    self._reconcile(live)
                watchers = []
                if until_drained:
                    watchers.append(group.create_task(self._watch_drain(outcome)))
                if timeout is not None:
                    watchers.append(group.create_task(self._watch_timeout(timeout, outcome)))
                await self._stop.wait()
                self._group = None
                self._stop_all()
                for watcher in watchers:
                    watcher.cancel()
        finally:
            # A failed group ends here too, without a stop: settled() must not wait on.
            self._ended = True
            self._progress.set()
        return RunResult(
            drained=outcome["drained"], timed_out=outcome["timed_out"], forced=self.forced
        )

    async def drained(self) -> bool:
        """True when every enabled mapping's source is drained and no batch is in flight.

        A mapping between states (a change not yet in effect) is not drained.
        """
        for live in list(self._live.values()):
            if not live.settled:
                return False
            if live.config.enabled and not await live.binding.drained():
                return False
        return True

    async def undrained(self) -> builtins.list[MappingStatistics]:
        """The statistics of every mapping not drained yet (what a deadline reports)."""
        return [
            live.statistics()
            for live in list(self._live.values())
            if not live.settled or (live.config.enabled and not await live.binding.drained())
        ]

    # -- inside -------------------------------------------------------------------------

    def _add(self, live: LiveMapping) -> None:
        self._live[live.uuid] = live
        # Every state change may end a drain or a wait in settled().
        live.record.lifecycle.listeners.append(lambda state, reason: self._progress.set())
        self._reconcile(live)

    def _check_new(self, uuid: str) -> None:
        if uuid in self._live or uuid in self._creating:
            # The same function and source give the same UUID; the kind's own wording of
            # §1.6.15 is the config's check (``config/validate_links.py``), before this one.
            raise ResourceConflictException(
                f"An event source mapping with UUID {uuid} already exists. Please "
                "update or delete the existing mapping."
            )

    async def _close_source(self, uuid: str) -> None:
        """Close what only this mapping opened. A stop that cancels this leaves the rest
        to whoever owns the opener (``headrace run`` closes every source as it ends)."""
        if self._sources is not None:
            await self._sources.close(uuid)

    def _get(self, uuid: str) -> LiveMapping:
        live = self._live.get(uuid)
        if live is None:
            # §1.1.7: AWS's exact text (it does not name the UUID).
            raise ResourceNotFoundException("The resource you requested does not exist.")
        return live

    def _build(self, config: EventSourceMappingConfig, record: MappingRecord) -> Binding:
        if self._factory is None:
            raise HeadraceError("this engine has no binding factory: it cannot build mappings")
        return self._factory(config, record)

    def _reconcile(self, live: LiveMapping) -> None:
        """Bring the running build in line with the mapping's config, in the engine's group
        (later, when the engine runs; never once it stops)."""
        group = self._group
        if group is None or self._stop.is_set() or live.reconciling is not None:
            return  # run() starts it; or the running reconcile sees ``dirty``
        live.reconciling = group.create_task(self._bring_in_line(live), name=f"esm:{live.uuid}")

    async def _bring_in_line(self, live: LiveMapping) -> None:
        try:
            while live.dirty:
                live.dirty = False
                if live.task is not None:
                    # In-flight batches finish; queue messages are settled or returned,
                    # stream shards checkpointed, before the new build reads anything.
                    live.binding.mapping.stop()
                    await asyncio.wait([live.task])
                    live.task = None
                if live.deleting:
                    # Deleting until its source is closed: a create of the same UUID
                    # meanwhile is a conflict, not a second open of the same source.
                    await self._close_source(live.uuid)
                    del self._live[live.uuid]
                    return
                if live.pending is not None and not live.dirty:
                    self._start(live, live.pending)
        finally:
            live.reconciling = None
            self._progress.set()

    def _start(self, live: LiveMapping, binding: Binding) -> None:
        assert self._group is not None
        live.binding, live.pending = binding, None
        binding.mapping.watch(self._progress)
        live.task = self._group.create_task(binding.mapping.run(), name=f"mapping:{live.uuid}")

    def _stop_all(self) -> None:
        for live in self._live.values():
            if live.reconciling is not None:
                live.reconciling.cancel()
            live.binding.mapping.stop()

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


def _transition(old: EventSourceMappingConfig, new: EventSourceMappingConfig) -> MappingState:
    """The state an update moves to: Enabling or Disabling when Enabled flips, else
    Updating (§1.4.4-1.4.6)."""
    if new.enabled != old.enabled:
        return MappingState.ENABLING if new.enabled else MappingState.DISABLING
    return MappingState.UPDATING
