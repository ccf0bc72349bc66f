"""Building a stream mapping from its config and the parts chosen for it."""

from __future__ import annotations

from headrace.clock import Clock
from headrace.config.model import EventSourceMappingConfig
from headrace.esm.filters import compile_filter_criteria
from headrace.esm.mapping_core import MappingRecord
from headrace.esm.streams.checkpointing import CheckpointWriter
from headrace.esm.streams.destinations import DestinationSender, FailureTarget, OnFailure
from headrace.esm.streams.policy import UNLIMITED, RetryPolicy
from headrace.esm.streams.shapes import RecordShape
from headrace.esm.streams.stream_context import StreamContext, StreamRules
from headrace.esm.streams.stream_mapping import StreamMapping
from headrace.functions.function_seam import FunctionRuntime
from headrace.sources.source_seam import StreamSource, StreamStart
from headrace.state.state_seam import CheckpointStore


def stream_rules(config: EventSourceMappingConfig) -> StreamRules:
    """A stream mapping's rules from its config, with AWS's stream defaults (§1.3.2)."""
    policy = RetryPolicy(
        maximum_retry_attempts=_or(config.maximum_retry_attempts, UNLIMITED),
        maximum_record_age_in_seconds=_or(config.maximum_record_age_in_seconds, UNLIMITED),
        bisect_batch_on_function_error=bool(config.bisect_batch_on_function_error),
    )
    return StreamRules(
        batch_size=config.batch_size,
        batching_window_seconds=config.maximum_batching_window_in_seconds,
        parallelization_factor=_or(config.parallelization_factor, 1),
        tumbling_window_seconds=_or(config.tumbling_window_in_seconds, 0),
        report_batch_item_failures=config.report_batch_item_failures,
        policy=policy,
        starting_position=StreamStart(
            config.starting_position or "TRIM_HORIZON",
            timestamp=config.starting_position_timestamp,
        ),
    )


def build_stream_mapping(
    config: EventSourceMappingConfig,
    source: StreamSource,
    runtime: FunctionRuntime,
    *,
    shape: RecordShape,
    store: CheckpointStore,
    clock: Clock,
    function_arn: str,
    destination: DestinationSender | None = None,
    record: MappingRecord | None = None,
) -> StreamMapping:
    """A stream mapping reading ``source`` and invoking ``runtime`` with ``config``'s rules.

    ``shape`` turns the source's records into event records; ``store`` keeps checkpoints;
    ``destination``
    receives on-failure records (None: discarded records are only counted as dropped).
    ``record`` carries the lifecycle and counters of an earlier build of the same mapping
    (the engine rebuilds a mapping on update); None starts afresh.
    """
    record = record or MappingRecord()
    criteria = None
    if config.filter_criteria and config.source_kind is not None:
        criteria = compile_filter_criteria(config.filter_criteria, config.source_kind)
    target = FailureTarget(function_arn=function_arn, stream_arn=source.arn, shape=shape)
    writer = CheckpointWriter(store, config.uuid, clock=clock)
    ctx = StreamContext(
        source=source,
        runtime=runtime,
        shape=shape,
        rules=stream_rules(config),
        clock=clock,
        hooks=record.hooks,
        on_failure=OnFailure(target, destination, record.hooks, clock),
        checkpoints=writer,
        matches=criteria.matches if criteria is not None else None,
    )
    return StreamMapping(config, ctx, record)


def _or(value: int | None, default: int) -> int:
    return default if value is None else value
