"""Building a queue mapping from its config and the parts chosen for it."""

from __future__ import annotations

from headrace.clock import Clock
from headrace.config.model import EventSourceMappingConfig
from headrace.esm.filters import compile_filter_criteria
from headrace.esm.mapping_core import MappingRecord
from headrace.esm.queues.queue_batch import BatchRules, QueueRecordShape
from headrace.esm.queues.queue_mapping import QueueMapping
from headrace.esm.queues.queue_poller import QueuePoller
from headrace.esm.queues.queue_reader import read_queue
from headrace.esm.queues.scaling import DEFAULT_CEILING, QueueScaler, ScalingPolicy
from headrace.functions.function_seam import FunctionRuntime
from headrace.sources.source_seam import SourceCore


def build_queue_mapping(
    config: EventSourceMappingConfig,
    source: SourceCore,
    runtime: FunctionRuntime,
    *,
    clock: Clock,
    shape: QueueRecordShape,
    function_timeout: int,
    function_concurrency: int,
    ceiling: int = DEFAULT_CEILING,
    record: MappingRecord | None = None,
) -> QueueMapping:
    """A queue mapping reading ``source`` and invoking ``runtime`` with ``config``'s rules;
    ``shape`` is the source kind's records and envelope. Any source with the core will
    do: its capabilities are looked up here, once (:func:`read_queue`).

    ``record`` carries the lifecycle and counters of an earlier build of the same mapping
    (the engine rebuilds a mapping on update); None starts afresh.
    """
    record = record or MappingRecord()
    caps = [function_concurrency]
    if config.maximum_concurrency is not None:
        caps.append(config.maximum_concurrency)
    policy = ScalingPolicy(ceiling=ceiling, maximum=min(caps))
    criteria = None
    if config.filter_criteria and config.source_kind is not None:
        criteria = compile_filter_criteria(config.filter_criteria, config.source_kind)
    reader = read_queue(source, clock)
    rules = BatchRules.for_mapping(
        batch_size=config.batch_size,
        window_seconds=config.maximum_batching_window_in_seconds,
        function_timeout=function_timeout,
        queue_visibility_timeout=reader.visibility_timeout,
        source_arn=config.event_source_arn,
        shape=shape,
    )
    poller = QueuePoller(
        reader=reader,
        runtime=runtime,
        rules=rules,
        clock=clock,
        scaler=QueueScaler(policy, clock),
        hooks=record.hooks,
        report_batch_item_failures=config.report_batch_item_failures,
        matches=criteria.matches if criteria is not None else None,
    )
    return QueueMapping(config, poller, record)
