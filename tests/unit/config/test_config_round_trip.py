"""from_aws / to_aws: every config object survives a trip through AWS's field names."""

from __future__ import annotations

from pathlib import Path

import yaml
from config_docs import ACCOUNT, Loaded, base_document, queue_arn, stream_arn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headrace.config import (
    EventSourceMappingConfig,
    FunctionConfig,
    QueueConfig,
    RedrivePolicy,
    StreamConfig,
    StreamSpecification,
    TableConfig,
)
from headrace.config.resources import AttributeDefinition, KeySchemaElement

SQS_MAPPINGS = st.builds(
    EventSourceMappingConfig,
    function_name=st.just("f"),
    event_source_arn=st.just(queue_arn("orders")),
    uuid=st.uuids().map(str),
    enabled=st.booleans(),
    batch_size=st.integers(1, 10),
    maximum_batching_window_in_seconds=st.integers(0, 300),
    function_response_types=st.sampled_from([(), ("ReportBatchItemFailures",)]),
    maximum_concurrency=st.none() | st.integers(2, 1000),
    filter_criteria=st.lists(st.just('{"body": {"a": [1]}}'), max_size=2).map(tuple),
    metrics=st.sampled_from([(), ("EventCount",)]),
)
STREAM_MAPPINGS = st.builds(
    EventSourceMappingConfig,
    function_name=st.just("f"),
    event_source_arn=st.just(stream_arn("clicks")),
    uuid=st.uuids().map(str),
    batch_size=st.integers(1, 10_000),
    maximum_batching_window_in_seconds=st.integers(0, 300),
    parallelization_factor=st.integers(1, 10),
    starting_position=st.sampled_from(["LATEST", "TRIM_HORIZON"]),
    on_failure_destination=st.none() | st.just(queue_arn("orders-dlq")),
    maximum_record_age_in_seconds=st.just(-1) | st.integers(60, 604_800),
    bisect_batch_on_function_error=st.booleans(),
    maximum_retry_attempts=st.integers(-1, 10_000),
    tumbling_window_in_seconds=st.integers(0, 900),
)


@given(SQS_MAPPINGS)
def test_sqs_mapping_round_trip(mapping: EventSourceMappingConfig) -> None:
    """§1.2: an SQS mapping rebuilt from its AWS fields is the same mapping."""
    assert EventSourceMappingConfig.from_aws(mapping.to_aws()) == mapping


@given(STREAM_MAPPINGS)
def test_stream_mapping_round_trip(mapping: EventSourceMappingConfig) -> None:
    """§1.2: a Kinesis mapping rebuilt from its AWS fields is the same mapping."""
    assert EventSourceMappingConfig.from_aws(mapping.to_aws()) == mapping


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(STREAM_MAPPINGS)
def test_mapping_written_to_yaml_loads_back(
    loaded: Loaded, mapping: EventSourceMappingConfig
) -> None:
    """design: a mapping's to_aws() output, written to headrace.yaml, loads to the same mapping."""
    document = base_document()
    document["event_source_mappings"] = [mapping.to_aws()]
    assert loaded(document).event_source_mappings == (mapping,)


def test_sqs_mapping_leaves_stream_fields_out() -> None:
    """§1.3.1: an SQS mapping's AWS form has no stream-only fields."""
    mapping = EventSourceMappingConfig.from_aws(
        {"FunctionName": "f", "EventSourceArn": queue_arn("orders")}
    )
    assert sorted(mapping.to_aws()) == [
        "BatchSize",
        "Enabled",
        "EventSourceArn",
        "FunctionName",
        "FunctionResponseTypes",
        "MaximumBatchingWindowInSeconds",
        "UUID",
    ]


def test_stream_mapping_has_recorded_defaults() -> None:
    """§1.3.2: a stream mapping's AWS form carries the recorded defaults."""
    aws = EventSourceMappingConfig.from_aws(
        {"FunctionName": "f", "EventSourceArn": stream_arn("clicks"), "StartingPosition": "LATEST"}
    ).to_aws()
    assert aws["DestinationConfig"] == {"OnFailure": {}}
    assert (aws["MaximumRecordAgeInSeconds"], aws["MaximumRetryAttempts"]) == (-1, -1)
    assert (aws["BatchSize"], aws["ParallelizationFactor"]) == (100, 1)


def test_queue_round_trip() -> None:
    """SQS CreateQueue: a queue rebuilt from its attributes is the same queue."""
    queue = QueueConfig(
        name="jobs.fifo",
        visibility_timeout=60,
        delay_seconds=5,
        fifo_queue=True,
        content_based_deduplication=True,
        redrive_policy=RedrivePolicy(
            dead_letter_target_arn=queue_arn("dlq.fifo"), max_receive_count=4
        ),
    )
    assert QueueConfig.from_aws(queue.name, queue.to_aws()) == queue


def test_function_round_trip(tmp_path: Path) -> None:
    """AWS::Lambda::Function: a function rebuilt from its fields is the same function."""
    function = FunctionConfig(
        name="f",
        handler="pkg.orders.handler",
        code_uri=tmp_path.resolve(),
        timeout=30,
        memory_size=512,
        reserved_concurrent_executions=2,
        environment={"STAGE": "dev"},
        role=f"arn:aws:iam::{ACCOUNT}:role/r",
    )
    assert FunctionConfig.from_aws("f", function.to_aws(), Path("/elsewhere")) == function


def test_stream_round_trip() -> None:
    """Kinesis: a stream rebuilt from its fields is the same stream."""
    stream = StreamConfig(name="clicks", shard_count=3, retention_period_hours=48)
    assert StreamConfig.from_aws("clicks", stream.to_aws()) == stream


def test_table_round_trip() -> None:
    """DynamoDB: a table rebuilt from its fields is the same table."""
    table = TableConfig(
        name="users",
        key_schema=(
            KeySchemaElement(attribute_name="pk", key_type="HASH"),
            KeySchemaElement(attribute_name="sk", key_type="RANGE"),
        ),
        attribute_definitions=(
            AttributeDefinition(attribute_name="pk", attribute_type="S"),
            AttributeDefinition(attribute_name="sk", attribute_type="N"),
        ),
        stream_specification=StreamSpecification(stream_view_type="NEW_IMAGE", shard_count=2),
    )
    assert TableConfig.from_aws("users", table.to_aws()) == table


def test_whole_config_written_back_loads_the_same(loaded: Loaded) -> None:
    """design: resources written with to_aws() load back to equal objects."""
    first = loaded(base_document())
    document = base_document()
    document["queues"] = {name: q.to_aws() for name, q in first.queues.items()}
    document["streams"] = {name: s.to_aws() for name, s in first.streams.items()}
    document["tables"] = {name: t.to_aws() for name, t in first.tables.items()}
    document["functions"] = {name: f.to_aws() for name, f in first.functions.items()}
    second = loaded(yaml.safe_load(yaml.safe_dump(document)))
    assert (second.queues, second.streams, second.tables, second.functions) == (
        first.queues,
        first.streams,
        first.tables,
        first.functions,
    )
