"""The running totals a mapping keeps; its ``statistics()`` snapshot is in
:mod:`headrace.statistics`."""

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
    dropped: int = 0  # DroppedEventCount (streams)
    on_failure_delivered: int = 0  # OnFailureDestinationDeliveredEventCount (streams)
    destination_delivery_failures: int = 0  # DestinationDeliveryFailures (streams)
    invocations: int = 0  # Invocations made by this mapping
    errors: int = 0  # Errors: invocations that ended in a function error
    in_flight_batches: int = 0
    batches: int = 0
    last_processing_result: str = "No records processed"  # §1.3.5
