"""Counters a mapping keeps, and the frozen snapshot status and /metrics read (§8)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class MappingCounters:
    """Running totals of one mapping, named after AWS's metrics (§8.3-8.4)."""

    polled: int = 0  # PolledEventCount
    filtered_out: int = 0  # FilteredOutEventCount
    invoked: int = 0  # InvokedEventCount
    failed_invoke: int = 0  # FailedInvokeEventCount
    deleted: int = 0  # DeletedEventCount
    invocations: int = 0  # Invocations made by this mapping
    errors: int = 0  # Errors: invocations that ended in a function error
    in_flight_batches: int = 0
    batches: int = 0
    last_processing_result: str = "No records processed"  # §1.3.5


@dataclass(frozen=True, kw_only=True, slots=True)
class MappingStatistics:
    """A snapshot of one mapping for status, the API and metrics."""

    uuid: str
    function_name: str
    event_source_arn: str
    state: str
    state_transition_reason: str
    last_processing_result: str
    in_flight_batches: int
    concurrency: int
    polled: int
    filtered_out: int
    invoked: int
    failed_invoke: int
    deleted: int
    invocations: int
    errors: int
    batches: int
