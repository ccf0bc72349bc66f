"""Shared vocabulary of what headrace reports: mapping and shard snapshots, queue depths.

The engine fills these; ``headrace status``, ``GET /status``, ``/metrics`` and the state
store read them, so none of those needs the engine itself. Names follow AWS's metrics (§8).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

# AWS's metric name of each counter of a mapping snapshot (§8.1, §8.3-8.4), in §8's order:
# /metrics names its counters so, and `status --json` keys its statistics so.
AWS_COUNTER_NAMES: Mapping[str, str] = {
    "polled": "PolledEventCount",
    "filtered_out": "FilteredOutEventCount",
    "invoked": "InvokedEventCount",
    "failed_invoke": "FailedInvokeEventCount",
    "deleted": "DeletedEventCount",
    "dropped": "DroppedEventCount",
    "on_failure_delivered": "OnFailureDestinationDeliveredEventCount",
    "destination_delivery_failures": "DestinationDeliveryFailures",
    "invocations": "Invocations",
    "errors": "Errors",
}


@dataclass(frozen=True, slots=True)
class QueueDepth:
    """How many messages a queue holds, by state (SQS's ApproximateNumberOf* attributes)."""

    visible: int
    in_flight: int
    delayed: int

    @property
    def total(self) -> int:
        return self.visible + self.in_flight + self.delayed


@dataclass(frozen=True, kw_only=True, slots=True)
class ShardStatistics:
    """A snapshot of one shard of a stream mapping (§7.6, §8: IteratorAge per shard).

    ``state`` is ``Waiting for parent``, ``Processing``, ``Retrying`` or ``Ended``;
    ``iterator_age_ms`` is the age of the last record of the last batch sent (§7.6);
    ``pending_records`` were read and are not settled; ``millis_behind_latest`` is the
    last read's distance from the shard's tip.
    """

    shard_id: str
    state: str
    checkpoint: str | None
    iterator_age_ms: int
    millis_behind_latest: int
    pending_records: int
    in_flight_batches: int


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
    # Stream mappings only (§8.3): zero / empty on queue mappings.
    dropped: int = 0
    on_failure_delivered: int = 0
    destination_delivery_failures: int = 0
    shards: tuple[ShardStatistics, ...] = ()

    def aws_counters(self) -> dict[str, int]:
        """The counters under AWS's metric names (:data:`AWS_COUNTER_NAMES`)."""
        return {name: getattr(self, field) for field, name in AWS_COUNTER_NAMES.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MappingStatistics:
        """Rebuild a snapshot from ``dataclasses.asdict`` output (unknown keys ignored)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["shards"] = tuple(ShardStatistics(**shard) for shard in values.get("shards") or ())
        return cls(**values)
