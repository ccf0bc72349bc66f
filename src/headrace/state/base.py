"""What the engine keeps outside itself: snapshots of its mappings for `headrace status`.

Later issues add checkpoints and leases here; the Protocol grows with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from headrace.esm.statistics import MappingStatistics


@dataclass(frozen=True, slots=True)
class EngineRecord:
    """Which process runs the engine on a data_dir, and when it last said so."""

    pid: int
    started_at: float
    heartbeat_at: float
    port: int | None


class StatusStore(Protocol):
    """Where a running engine publishes its mappings' statistics."""

    def publish(self, engine: EngineRecord, mappings: Sequence[MappingStatistics]) -> None: ...

    def read(self) -> tuple[EngineRecord | None, list[MappingStatistics]]: ...

    def clear_engine(self, pid: int) -> None:
        """Forget the engine record of ``pid`` (it stopped cleanly)."""
        ...

    def close(self) -> None: ...
