"""What the queue and stream mappings share: the part of a mapping that outlives a rebuild.

An update or a disable stops a running mapping and builds a new one from the new config
(in-flight batches finish first). What must carry over — the state in AWS's order, the
running totals and ``LastProcessingResult`` — lives in a :class:`MappingRecord` the engine
keeps for the mapping's whole life and hands to every build. Its :attr:`hooks` are what the
mapping's pollers call (:mod:`headrace.esm.hooks`). :class:`MappingCore` is the plumbing
both mapping classes share: the run of a disabled mapping, the settling of the state, the
stop and the statistics snapshot.
"""

from __future__ import annotations

import abc
import asyncio
from dataclasses import dataclass, field

from headrace.config.model import EventSourceMappingConfig
from headrace.esm.hooks import EngineHooks, Hooks
from headrace.esm.lifecycle import Lifecycle, MappingState
from headrace.esm.mapping_counters import LastProcessingResult, MappingCounters
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


class MappingCore(abc.ABC):
    """What a queue or stream mapping does the same way; the kind fills in the work.

    ``run()`` returns when ``stop()`` has taken effect. A kind must implement
    :meth:`_run_enabled` (the work, until ``_stopping`` is set; abstract, so a kind without
    it fails at construction), and overrides :meth:`_stop_work` (what a stop must
    interrupt), :meth:`_concurrency` and, if it reports more, :meth:`statistics`.
    """

    # §1.3.4: the StateTransitionReason the kind shows (None: the lifecycle's, SQS's).
    transition_reason: str | None = None

    def __init__(self, config: EventSourceMappingConfig, record: MappingRecord) -> None:
        self.config = config
        # The lifecycle, counters and hooks, kept by the engine across rebuilds.
        self.record = record
        self.lifecycle = record.lifecycle
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()

    @property
    def uuid(self) -> str:
        return self.config.uuid

    async def run(self) -> None:
        """Run until stopped. A disabled mapping reads nothing and waits for its stop
        (§1.4.3: created disabled, it is Disabled at once)."""
        if not self.config.enabled:
            self.lifecycle.settle(MappingState.DISABLED, self.transition_reason)
            await self._stopping.wait()
            return
        self.lifecycle.settle(MappingState.ENABLED, self.transition_reason)
        await self._run_enabled()

    def stop(self) -> None:
        """Begin a graceful stop: no new batches; running ones finish."""
        self._stopping.set()
        self._wake.set()
        self._stop_work()

    def statistics(self) -> MappingStatistics:
        return self.record.statistics(
            uuid=self.uuid,
            function_name=self.config.function_name,
            event_source_arn=self.config.event_source_arn,
            concurrency=self._concurrency(),
        )

    @abc.abstractmethod
    async def _run_enabled(self) -> None:
        """The enabled mapping's work; returns once ``_stopping`` is set and it has wound
        down."""

    def _stop_work(self) -> None:
        return None

    def _concurrency(self) -> int:
        return 0
