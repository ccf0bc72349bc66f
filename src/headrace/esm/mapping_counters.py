"""The running totals a mapping keeps and its ``LastProcessingResult``, both engine hooks
(:mod:`headrace.esm.hooks`); its ``statistics()`` snapshot is in
:mod:`headrace.statistics`."""

from __future__ import annotations

from dataclasses import dataclass, field

from headrace.esm.hooks import EngineHooks, Settled
from headrace.esm.outcome import BatchOutcome, OutcomeKind

# §1.3.5: the LastProcessingResult values headrace shows.
RESULT_NONE = "No records processed"
RESULT_OK = "OK"
RESULT_PROBLEM = "PROBLEM: Function call failed"
PROBLEM_PREFIX = "PROBLEM: "


@dataclass(slots=True)
class MappingCounters(EngineHooks):
    """Running totals of one mapping, named after AWS's metrics (§8.3-8.4)."""

    polled: int = 0  # PolledEventCount
    filtered_out: int = 0  # FilteredOutEventCount
    invoked: int = 0  # InvokedEventCount
    failed_invoke: int = 0  # FailedInvokeEventCount
    deleted: int = 0  # DeletedEventCount
    dropped: int = 0  # DroppedEventCount (streams)
    on_failure_delivered: int = 0  # OnFailureDestinationDeliveredEventCount (streams)
    destination_delivery_failures: int = 0  # DestinationDeliveryFailures (streams)
    invocations: int = 0  # Invocations made by this mapping
    errors: int = 0  # Errors: invocations that ended in a function error
    in_flight_batches: int = 0
    batches: int = 0

    def batch_received(self, *, polled: int = 0, filtered_out: int = 0) -> None:
        self.polled += polled
        self.filtered_out += filtered_out

    def invoke_started(self) -> None:
        self.in_flight_batches += 1

    def invoke_ended(self) -> None:
        self.in_flight_batches -= 1

    def batch_invoked(self, records: int, outcome: BatchOutcome) -> None:
        """§8.4: Invocations, Errors, InvokedEventCount, FailedInvokeEventCount."""
        self.invocations += 1
        self.batches += 1
        self.invoked += records
        if outcome.function_error is not None:
            self.errors += 1
        if outcome.kind is not OutcomeKind.SUCCESS:
            self.failed_invoke += records

    def settled(self, settled: Settled) -> None:
        self.deleted += settled.deleted
        self.dropped += settled.dropped
        self.on_failure_delivered += settled.delivered
        self.destination_delivery_failures += settled.delivery_failures


@dataclass(slots=True)
class LastProcessingResult(EngineHooks):
    """§1.3.5: what the last batch, or a problem, left to show.

    A problem a source reports and later clears (a missing stream that appears) puts back
    what was shown before it; a problem of the mapping itself stays until the next batch.
    """

    text: str = RESULT_NONE
    _before: str | None = field(default=None, repr=False)

    def batch_invoked(self, records: int, outcome: BatchOutcome) -> None:
        self.text = RESULT_OK if outcome.kind is OutcomeKind.SUCCESS else RESULT_PROBLEM
        self._before = None

    def problem(self, text: str | None) -> None:
        if text is None:
            if self._before is not None:
                self.text, self._before = self._before, None
            return
        if self._before is None:
            self._before = self.text
        self.text = PROBLEM_PREFIX + text
