"""The in-memory backend of the storage seam: the same contract as SQLite, not durable.

For tests (the engine's, and users' through :mod:`headrace.testing`) and for runs that need
no restart. Leases expire by the injected clock, tokens fence as in SQLite, and a fenced
checkpoint save checks its lease first, so the conformance suite holds for both backends.
Every method completes without yielding to the loop (there is no I/O), so a test on a fake
clock stays deterministic. Not shared between processes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from headrace.clock import Clock, SystemClock
from headrace.errors import LeaseLost
from headrace.state.state_seam import (
    EngineRecord,
    Lease,
    MappingCheckpoints,
    MappingRecord,
    RetryState,
    StateStores,
)
from headrace.statistics import MappingStatistics


@dataclass(slots=True)
class _Slot:
    """One resource's row: ``owner`` None while free; ``token`` only grows."""

    owner: str | None
    token: int
    expires_at: float


@dataclass(slots=True)
class MemoryLeases:
    """:class:`~headrace.state.state_seam.LeaseStore` in a dict, timed by ``clock``."""

    clock: Clock
    _slots: dict[str, _Slot] = field(default_factory=dict)

    async def take(self, resource: str, owner: str, duration: float) -> Lease | None:
        slot = self._slots.get(resource)
        if slot is not None and slot.owner is not None and slot.expires_at > self.clock.time():
            return None
        return self._grant(resource, owner, duration)

    async def steal(self, resource: str, owner: str, duration: float) -> Lease:
        return self._grant(resource, owner, duration)

    async def renew(self, lease: Lease, duration: float) -> Lease:
        slot = self.current(lease)
        slot.expires_at = self.clock.time() + duration
        return Lease(lease.resource, lease.owner, lease.token, slot.expires_at)

    async def release(self, lease: Lease) -> bool:
        try:
            slot = self.current(lease)
        except LeaseLost:
            return False
        slot.owner, slot.expires_at = None, 0.0
        return True

    async def holder(self, resource: str) -> Lease | None:
        slot = self._slots.get(resource)
        if slot is None or slot.owner is None or slot.expires_at <= self.clock.time():
            return None
        return Lease(resource, slot.owner, slot.token, slot.expires_at)

    def current(self, lease: Lease) -> _Slot:
        """The resource's slot if ``lease`` is its current one, else :class:`LeaseLost`."""
        slot = self._slots.get(lease.resource)
        if slot is None or (slot.owner, slot.token) != (lease.owner, lease.token):
            raise LeaseLost(lease.resource, owner=lease.owner, token=lease.token)
        return slot

    def _grant(self, resource: str, owner: str, duration: float) -> Lease:
        previous = self._slots.get(resource)
        slot = _Slot(owner, (previous.token if previous else 0) + 1, self.clock.time() + duration)
        self._slots[resource] = slot
        return Lease(resource, owner, slot.token, slot.expires_at)

    async def aclose(self) -> None:
        """Nothing to release."""


@dataclass(slots=True)
class MemoryCheckpoints:
    """:class:`~headrace.state.state_seam.CheckpointStore` in dicts; fenced by ``leases``."""

    leases: MemoryLeases
    saves: int = 0  # how many save() transactions there were
    _positions: dict[str, dict[str, str]] = field(default_factory=dict)
    _retrying: dict[str, dict[str, tuple[RetryState, ...]]] = field(default_factory=dict)

    async def load(self, mapping_uuid: str) -> MappingCheckpoints:
        positions = self._positions.get(mapping_uuid)
        retrying = dict(self._retrying.get(mapping_uuid, {}))
        return MappingCheckpoints(positions is not None, dict(positions or {}), retrying)

    async def save(
        self,
        mapping_uuid: str,
        positions: Mapping[str, str],
        retrying: Mapping[str, Sequence[RetryState]] | None = None,
        *,
        lease: Lease | None = None,
    ) -> None:
        if lease is not None:
            self.leases.current(lease)  # raises LeaseLost before anything changes
        self._positions.setdefault(mapping_uuid, {}).update(positions)
        stored = self._retrying.setdefault(mapping_uuid, {})
        for shard, states in (retrying or {}).items():
            stored[shard] = tuple(states)
            if not states:
                del stored[shard]
        self.saves += 1

    async def aclose(self) -> None:
        """Nothing to release."""


@dataclass(slots=True)
class MemoryMappings:
    """:class:`~headrace.state.state_seam.MappingRegistry` in a dict."""

    _records: dict[str, MappingRecord] = field(default_factory=dict)

    async def put(self, record: MappingRecord) -> None:
        self._records[record.uuid] = record

    async def get(self, uuid: str) -> MappingRecord | None:
        return self._records.get(uuid)

    async def list(self) -> tuple[MappingRecord, ...]:
        return tuple(self._records[uuid] for uuid in sorted(self._records))

    async def delete(self, uuid: str) -> bool:
        return self._records.pop(uuid, None) is not None

    async def aclose(self) -> None:
        """Nothing to release."""


@dataclass(slots=True)
class MemoryStatus:
    """:class:`~headrace.state.state_seam.StatusStore` in memory."""

    _engine: EngineRecord | None = None
    _snapshots: dict[str, MappingStatistics] = field(default_factory=dict)

    async def publish(self, engine: EngineRecord, mappings: Sequence[MappingStatistics]) -> None:
        self._engine = engine
        self._snapshots.update((m.uuid, m) for m in mappings)

    async def read(self) -> tuple[EngineRecord | None, list[MappingStatistics]]:
        return self._engine, list(self._snapshots.values())

    async def clear_engine(self, pid: int) -> None:
        if self._engine is not None and self._engine.pid == pid:
            self._engine = None

    async def aclose(self) -> None:
        """Nothing to release."""


def memory_state(clock: Clock | None = None) -> StateStores:
    """Four fresh in-memory stores; leases expire by ``clock`` (default: the system's)."""
    leases = MemoryLeases(clock or SystemClock())
    return StateStores(
        checkpoints=MemoryCheckpoints(leases),
        leases=leases,
        mappings=MemoryMappings(),
        status=MemoryStatus(),
    )


def memory_checkpoints(clock: Clock | None = None) -> MemoryCheckpoints:
    """An in-memory checkpoint store alone (with its own leases), for engine tests."""
    return MemoryCheckpoints(MemoryLeases(clock or SystemClock()))
