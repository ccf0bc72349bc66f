"""What the queue and stream mappings share: the part of a mapping that outlives a rebuild.

An update or a disable stops a running mapping and builds a new one from the new config
(in-flight batches finish first). What must carry over — the state in AWS's order and the
running totals — lives in a :class:`MappingRecord` the engine keeps for the mapping's
whole life and hands to every build.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from headrace.esm.lifecycle import Lifecycle
from headrace.esm.statistics import MappingCounters


@dataclass(frozen=True, slots=True)
class MappingRecord:
    """One mapping's lifecycle and counters, kept across its rebuilds."""

    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    counters: MappingCounters = field(default_factory=MappingCounters)
