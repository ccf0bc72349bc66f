"""What the queue and stream mappings share: the part of a mapping that outlives a rebuild.

An update or a disable stops a running mapping and builds a new one from the new config
(in-flight batches finish first). What must carry over — the state in AWS's order, the
running totals and ``LastProcessingResult`` — lives in a :class:`MappingRecord` the engine
keeps for the mapping's whole life and hands to every build. Its :attr:`hooks` are what the
mapping's pollers call (:mod:`headrace.esm.hooks`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from headrace.esm.hooks import EngineHooks, Hooks
from headrace.esm.lifecycle import Lifecycle
from headrace.esm.statistics import LastProcessingResult, MappingCounters
from headrace.statistics import MappingStatistics


@dataclass(frozen=True, slots=True)
class MappingRecord:
    """One mapping's lifecycle, counters and last result, kept across its rebuilds.

    ``extra`` hooks hear every event after the counters and the last result do.
    """

    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    counters: MappingCounters = field(default_factory=MappingCounters)
    last_result: LastProcessingResult = field(default_factory=LastProcessingResult)
    extra: tuple[EngineHooks, ...] = ()
    hooks: Hooks = field(init=False)

    def __post_init__(self) -> None:
        hooks = Hooks((self.counters, self.last_result, *self.extra))
        object.__setattr__(self, "hooks", hooks)
        self.lifecycle.listeners.append(hooks.state_changed)

    def statistics(
        self, *, uuid: str, function_name: str, event_source_arn: str, concurrency: int
    ) -> MappingStatistics:
        """The snapshot fields every mapping kind shares (shards and the like added by
        the kind)."""
        counters = self.counters
        return MappingStatistics(
            uuid=uuid,
            function_name=function_name,
            event_source_arn=event_source_arn,
            state=self.lifecycle.state.value,
            state_transition_reason=self.lifecycle.reason,
            last_processing_result=self.last_result.text,
            in_flight_batches=counters.in_flight_batches,
            concurrency=concurrency,
            polled=counters.polled,
            filtered_out=counters.filtered_out,
            invoked=counters.invoked,
            failed_invoke=counters.failed_invoke,
            deleted=counters.deleted,
            invocations=counters.invocations,
            errors=counters.errors,
            batches=counters.batches,
            dropped=counters.dropped,
            on_failure_delivered=counters.on_failure_delivered,
            destination_delivery_failures=counters.destination_delivery_failures,
        )
