"""Prometheus text for GET /metrics, with AWS's metric names (§8) as the metric names.

Counters are labelled like CloudWatch dimensions: ``FunctionName`` and, for event source
mapping metrics, ``EventSourceMappingUUID`` (§8.2; the dimension name is UNCONFIRMED, this
is the documented choice). A collector reads ``statistics()`` snapshots on each scrape; the
hot path only bumps plain integers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import CollectorRegistry

from headrace.functions.function_seam import FunctionStatistics
from headrace.statistics import AWS_COUNTER_NAMES, MappingStatistics

# (MappingStatistics field, help text) for per-mapping counters (§8.3-8.4); the metric's
# name is AWS's (AWS_COUNTER_NAMES).
MAPPING_COUNTERS = (
    ("polled", "Events read successfully from the source."),
    ("filtered_out", "Events removed by filter criteria."),
    ("invoked", "Events that invoked the function (retries included)."),
    ("failed_invoke", "Events in invocations that failed."),
    ("deleted", "Events deleted from the queue after processing."),
    ("invocations", "Function invocations made by the mapping."),
    ("errors", "Invocations that ended in a function error."),
    (
        "dropped",
        "Stream records discarded by MaximumRecordAge/MaximumRetryAttempts, not delivered.",
    ),
    ("on_failure_delivered", "Stream records reported to the OnFailure destination."),
    ("destination_delivery_failures", "Failed sends to a stream mapping's OnFailure destination."),
)
MAPPING_LABELS = ["FunctionName", "EventSourceMappingUUID"]
# IteratorAge is per shard (§7.6): the mapping's labels plus the shard.
SHARD_LABELS = [*MAPPING_LABELS, "ShardId"]


class StatisticsCollector:
    """A prometheus-client collector over the engine's and functions' snapshots."""

    def __init__(
        self,
        mappings: Callable[[], Sequence[MappingStatistics]],
        functions: Callable[[], Sequence[FunctionStatistics]],
    ) -> None:
        self._mappings = mappings
        self._functions = functions

    def collect(self) -> Iterator[Metric]:
        mappings = self._mappings()
        for field, text in MAPPING_COUNTERS:
            family = CounterMetricFamily(AWS_COUNTER_NAMES[field], text, labels=MAPPING_LABELS)
            for stats in mappings:
                family.add_metric([stats.function_name, stats.uuid], getattr(stats, field))
            yield family
        yield _iterator_age(mappings)
        functions = self._functions()
        throttles = CounterMetricFamily(
            "Throttles", "Invocations that had to wait for a free worker.", labels=["FunctionName"]
        )
        concurrent = GaugeMetricFamily(
            "ConcurrentExecutions", "Invocations running now.", labels=["FunctionName"]
        )
        for fn in functions:
            throttles.add_metric([fn.function_name], fn.throttles)
            concurrent.add_metric([fn.function_name], fn.concurrent_executions)
        yield throttles
        yield concurrent


def _iterator_age(mappings: Sequence[MappingStatistics]) -> Metric:
    """§7.6, §8.1: per shard, the age (ms) of the last record of the last batch sent."""
    family = GaugeMetricFamily(
        "IteratorAge",
        "Milliseconds between a stream record's arrival and its batch being sent (last batch).",
        labels=SHARD_LABELS,
    )
    for stats in mappings:
        for shard in stats.shards:
            labels = [stats.function_name, stats.uuid, shard.shard_id]
            family.add_metric(labels, shard.iterator_age_ms)
    return family


def render(collector: StatisticsCollector) -> bytes:
    """The Prometheus text exposition of one collector."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return generate_latest(registry)
