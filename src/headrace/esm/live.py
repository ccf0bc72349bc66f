"""One mapping as the engine keeps it while it lives: its config, its record and the build
that runs now, and how an UpdateEventSourceMapping request changes its config.

The engine moves a mapping through AWS's states (§1.4) by stopping the running build
(in-flight batches finish, queue messages are settled, stream shards checkpointed) and
starting one built from the new config; see :mod:`headrace.esm.engine`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from headrace.config.model import EventSourceMappingConfig
from headrace.errors import InvalidParameterValueException
from headrace.esm.bindings import Binding
from headrace.esm.lifecycle import MappingState
from headrace.esm.mapping_core import MappingRecord
from headrace.statistics import MappingStatistics

# The fields UpdateEventSourceMapping may change (§1.2: the others are create-only).
MUTABLE_FIELDS = frozenset(
    {
        "BatchSize",
        "MaximumBatchingWindowInSeconds",
        "FilterCriteria",
        "FunctionResponseTypes",
        "ScalingConfig",
        "Enabled",
        "FunctionName",
        "MetricsConfig",
        # Stream mappings only.
        "ParallelizationFactor",
        "BisectBatchOnFunctionError",
        "MaximumRetryAttempts",
        "MaximumRecordAgeInSeconds",
        "DestinationConfig",
        "TumblingWindowInSeconds",
    }
)


def changed_config(
    config: EventSourceMappingConfig, changes: Mapping[str, Any]
) -> EventSourceMappingConfig:
    """``config`` with ``changes`` (UpdateEventSourceMapping's fields) applied.

    A field left out keeps its value; an empty ``FilterCriteria``, ``ScalingConfig`` or
    ``DestinationConfig.OnFailure`` clears it, as on AWS. A create-only field (the source,
    the starting position) is refused.
    """
    fixed = sorted(set(changes) - MUTABLE_FIELDS)
    if fixed:
        raise InvalidParameterValueException(
            f"{', '.join(fixed)}: cannot be changed by UpdateEventSourceMapping"
        )
    return EventSourceMappingConfig.from_aws({**config.to_aws(), **changes})


@dataclass(frozen=True, slots=True)
class MappingDescription:
    """A mapping as GetEventSourceMapping describes it (§1.3), at one moment."""

    config: EventSourceMappingConfig
    state: MappingState
    state_transition_reason: str
    last_modified: float  # seconds since the epoch, from the engine's clock
    # §1.3.5: shown for stream mappings only, as AWS shows it (None: not shown).
    last_processing_result: str | None = None

    @property
    def uuid(self) -> str:
        return self.config.uuid

    def to_aws(self) -> dict[str, Any]:
        """The EventSourceMappingConfiguration fields (§1.3)."""
        out = {
            **self.config.to_aws(),
            "State": self.state.value,
            "StateTransitionReason": self.state_transition_reason,
            "LastModified": self.last_modified,
        }
        if self.last_processing_result is not None:
            out["LastProcessingResult"] = self.last_processing_result
        return out


class LiveMapping:
    """One mapping in the engine: the running build and the next one to start.

    ``dirty`` says the config changed since the running build was started; the engine's
    reconcile task stops that build and starts ``pending`` (or, once deleting, nothing).
    """

    def __init__(
        self, config: EventSourceMappingConfig, binding: Binding, record: MappingRecord
    ) -> None:
        self.config = config
        self.record = record
        self.binding = binding  # the build whose statistics show (running, or next to run)
        self.pending: Binding | None = binding
        self.task: asyncio.Task[None] | None = None  # the running build
        self.reconciling: asyncio.Task[None] | None = None
        self.dirty = True
        self.deleting = False

    @property
    def uuid(self) -> str:
        return self.config.uuid

    @property
    def state(self) -> MappingState:
        return self.record.lifecycle.state

    @property
    def settled(self) -> bool:
        """Whether the mapping rests (Enabled or Disabled) with its newest config running."""
        return not self.dirty and self.state in (MappingState.ENABLED, MappingState.DISABLED)

    def describe(self) -> MappingDescription:
        lifecycle = self.record.lifecycle
        # §1.3.1-1.3.2: stream mappings (those with a ParallelizationFactor) show it.
        streams = self.config.parallelization_factor is not None
        return MappingDescription(
            self.config,
            lifecycle.state,
            lifecycle.reason,
            lifecycle.last_modified,
            self.record.last_result.text if streams else None,
        )

    def statistics(self) -> MappingStatistics:
        return self.binding.mapping.statistics()
