"""Mappings on Kinesis and DynamoDB streams: the errors CreateEventSourceMapping gives (§1.6)."""

from __future__ import annotations

import datetime as dt

from config_docs import (
    ACCOUNT,
    Loaded,
    Problems,
    queue_arn,
    recorded,
    recorded_code,
    stream_arn,
    table_stream_arn,
    with_mapping,
)

from headrace.config import EventSourceMappingConfig

AT = "headrace.yaml: event_source_mappings[0] (f)"
CLICKS = stream_arn("clicks")
USERS = table_stream_arn("users")
USERS_TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/users"
API = "test_lambda_api_esm::test_create_event_source_validation"


def test_kinesis_needs_a_starting_position(problems: Problems) -> None:
    """§1.6.4: a Kinesis mapping without StartingPosition is rejected."""
    key = f"{API}_kinesis::no_starting_position"
    assert problems(with_mapping(EventSourceArn=CLICKS)) == [
        f"{AT}: StartingPosition: {recorded_code(key)}: {recorded(key)}"
    ]


def test_dynamodb_needs_a_starting_position(problems: Problems) -> None:
    """§1.6.4: a DynamoDB Streams mapping without StartingPosition is rejected."""
    key = f"{API}::no_starting_position"
    assert problems(with_mapping(EventSourceArn=USERS)) == [
        f"{AT}: StartingPosition: {recorded_code(key)}: {recorded(key)}"
    ]


def test_invalid_starting_position(problems: Problems) -> None:
    """§1.6.5: StartingPosition is one of LATEST, AT_TIMESTAMP, TRIM_HORIZON."""
    key = f"{API}_kinesis::invalid_starting_position"
    assert problems(with_mapping(EventSourceArn=CLICKS, StartingPosition="invalid")) == [
        f"{AT}: StartingPosition: {recorded_code(key)}: {recorded(key)}"
    ]


def test_dynamodb_rejects_at_timestamp(problems: Problems) -> None:
    """§1.6.6: AT_TIMESTAMP is Kinesis only."""
    key = f"{API}::incompatible_starting_position"
    label = "2025-02-22T03:03:25.490"
    document = with_mapping(
        EventSourceArn=USERS, StartingPosition="AT_TIMESTAMP", StartingPositionTimestamp=0
    )
    text = recorded(key).replace("<table-name>", "users").replace("<stream-name>", label)
    assert problems(document) == [f"{AT}: StartingPosition: {recorded_code(key)}: {text}"]


def test_at_timestamp_needs_a_timestamp(problems: Problems) -> None:
    """§1.2 (message chosen): AT_TIMESTAMP needs a StartingPositionTimestamp."""
    assert problems(with_mapping(EventSourceArn=CLICKS, StartingPosition="AT_TIMESTAMP")) == [
        f"{AT}: StartingPositionTimestamp: InvalidParameterValueException: "
        "StartingPositionTimestamp is required when StartingPosition is AT_TIMESTAMP."
    ]


def test_timestamp_without_at_timestamp(problems: Problems) -> None:
    """§1.2 (message chosen): StartingPositionTimestamp goes only with AT_TIMESTAMP."""
    document = with_mapping(
        EventSourceArn=CLICKS, StartingPosition="LATEST", StartingPositionTimestamp=1
    )
    assert problems(document) == [
        f"{AT}: StartingPositionTimestamp: InvalidParameterValueException: "
        "StartingPositionTimestamp applies only when StartingPosition is AT_TIMESTAMP."
    ]


def test_timestamp_as_an_iso_date_time(loaded: Loaded) -> None:
    """§1.2: the timestamp may be written as ISO 8601; it becomes epoch seconds (UTC)."""
    document = with_mapping(
        EventSourceArn=CLICKS,
        StartingPosition="AT_TIMESTAMP",
        StartingPositionTimestamp=dt.datetime(2025, 1, 2, 3, 4, 5),
    )
    mapping = loaded(document).event_source_mappings[0]
    assert (
        mapping.starting_position_timestamp
        == dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC).timestamp()
    )


def test_undeclared_stream_in_own_account(problems: Problems) -> None:
    """§1.6.12: a Kinesis ARN in the file's account must name a declared stream."""
    key = "test_lambda_integration_kinesis::test_esm_with_not_existing_kinesis_stream::error"
    arn = stream_arn("test-foobar-81ded7e8")
    document = with_mapping(EventSourceArn=arn, StartingPosition="LATEST")
    assert problems(document) == [f"{AT}: EventSourceArn: {recorded_code(key)}: {recorded(key)}"]


def test_undeclared_table_stream_in_own_account(problems: Problems) -> None:
    """§1.6.12: a DynamoDB stream ARN in the file's account must name a declared table."""
    key = (
        "test_lambda_integration_dynamodbstreams::test_esm_with_not_existing_dynamodb_stream::error"
    )
    arn = table_stream_arn("test-table-4a53f4e8")
    document = with_mapping(EventSourceArn=arn, StartingPosition="LATEST")
    assert problems(document) == [f"{AT}: EventSourceArn: {recorded_code(key)}: {recorded(key)}"]


def test_table_without_a_stream_has_no_stream(problems: Problems) -> None:
    """§1.6.12: a declared table whose StreamSpecification is absent has no stream to read."""
    document = with_mapping(EventSourceArn=USERS, StartingPosition="LATEST")
    del document["tables"]["users"]["StreamSpecification"]
    assert problems(document) == [
        f"{AT}: EventSourceArn: InvalidParameterValueException: Stream not found: {USERS}"
    ]


def test_table_arn_means_its_stream(loaded: Loaded) -> None:
    """design: a mapping may name an embedded table by its table ARN."""
    document = with_mapping(EventSourceArn=USERS_TABLE, StartingPosition="TRIM_HORIZON")
    assert loaded(document).event_source_mappings[0].event_source_arn == USERS_TABLE


def test_real_aws_stream_is_accepted(loaded: Loaded) -> None:
    """design: a stream ARN in another account is a real AWS stream."""
    arn = "arn:aws:kinesis:us-east-1:222222222222:stream/theirs"
    document = with_mapping(EventSourceArn=arn, StartingPosition="LATEST")
    assert loaded(document).event_source_mappings[0].event_source_arn == arn


def test_record_age_below_sixty(problems: Problems) -> None:
    """§1.6.13: MaximumRecordAgeInSeconds is -1 or 60-604800."""
    document = with_mapping(
        EventSourceArn=CLICKS, StartingPosition="LATEST", MaximumRecordAgeInSeconds=59
    )
    assert problems(document) == [
        f"{AT}: MaximumRecordAgeInSeconds: InvalidParameterValueException: "
        "MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 "
        "(inclusive)"
    ]


def test_record_age_above_a_week(problems: Problems) -> None:
    """§1.2: MaximumRecordAgeInSeconds is at most 604800."""
    document = with_mapping(
        EventSourceArn=CLICKS, StartingPosition="LATEST", MaximumRecordAgeInSeconds=604_801
    )
    assert problems(document) == [
        f"{AT}: MaximumRecordAgeInSeconds: ValidationException: 1 validation error detected: "
        "Value '604801' at 'maximumRecordAgeInSeconds' failed to satisfy constraint: Member "
        "must have value less than or equal to 604800"
    ]


def test_parallelization_factor_above_ten(problems: Problems) -> None:
    """§1.2: ParallelizationFactor is 1-10."""
    document = with_mapping(
        EventSourceArn=CLICKS, StartingPosition="LATEST", ParallelizationFactor=11
    )
    assert problems(document) == [
        f"{AT}: ParallelizationFactor: ValidationException: 1 validation error detected: "
        "Value '11' at 'parallelizationFactor' failed to satisfy constraint: Member must have "
        "value less than or equal to 10"
    ]


def test_retry_attempts_below_minus_one(problems: Problems) -> None:
    """§1.2: MaximumRetryAttempts is -1..10000."""
    document = with_mapping(
        EventSourceArn=CLICKS, StartingPosition="LATEST", MaximumRetryAttempts=-2
    )
    assert problems(document) == [
        f"{AT}: MaximumRetryAttempts: ValidationException: 1 validation error detected: "
        "Value '-2' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have "
        "value greater than or equal to -1"
    ]


def test_tumbling_window_above_900(problems: Problems) -> None:
    """§1.2: TumblingWindowInSeconds is 0-900."""
    document = with_mapping(
        EventSourceArn=CLICKS, StartingPosition="LATEST", TumblingWindowInSeconds=901
    )
    assert problems(document) == [
        f"{AT}: TumblingWindowInSeconds: ValidationException: 1 validation error detected: "
        "Value '901' at 'tumblingWindowInSeconds' failed to satisfy constraint: Member must "
        "have value less than or equal to 900"
    ]


def test_bisect_must_be_a_boolean(problems: Problems) -> None:
    """§1.2: BisectBatchOnFunctionError is a boolean."""
    document = with_mapping(
        EventSourceArn=CLICKS, StartingPosition="LATEST", BisectBatchOnFunctionError="yes"
    )
    assert problems(document) == [
        f"{AT}: BisectBatchOnFunctionError: ValidationException: 1 validation error detected: "
        "Value 'yes' at 'bisectBatchOnFunctionError' failed to satisfy constraint: Member must "
        "be a boolean, not a string"
    ]


def test_on_success_destination_on_a_stream(problems: Problems) -> None:
    """§1.2: OnSuccess is not supported in CreateEventSourceMapping."""
    document = with_mapping(
        EventSourceArn=CLICKS,
        StartingPosition="LATEST",
        DestinationConfig={"OnSuccess": {"Destination": queue_arn("orders-dlq")}},
    )
    assert problems(document) == [
        f"{AT}: DestinationConfig.OnSuccess: InvalidParameterValueException: "
        "Unsupported DestinationConfig parameter for given event source mapping type."
    ]


def test_on_failure_queue_must_be_declared(problems: Problems) -> None:
    """design (message chosen): an SQS destination in the file's account must be declared."""
    missing = queue_arn("nowhere")
    document = with_mapping(
        EventSourceArn=CLICKS,
        StartingPosition="LATEST",
        DestinationConfig={"OnFailure": {"Destination": missing}},
    )
    assert problems(document) == [
        f"{AT}: DestinationConfig.OnFailure.Destination: InvalidParameterValueException: "
        f"The destination queue does not exist: {missing}. Declare it under queues: (an ARN "
        "in another region or account is a real AWS queue)."
    ]


def test_on_failure_destination_is_kept(loaded: Loaded) -> None:
    """§1.2: DestinationConfig.OnFailure.Destination reaches the mapping."""
    dlq = queue_arn("orders-dlq")
    document = with_mapping(
        EventSourceArn=CLICKS,
        StartingPosition="LATEST",
        DestinationConfig={"OnFailure": {"Destination": dlq}},
    )
    assert loaded(document).event_source_mappings[0].on_failure_destination == dlq


def test_scaling_config_on_a_stream(problems: Problems) -> None:
    """§1.6.18 (UNCONFIRMED, chosen): ScalingConfig is rejected on stream mappings."""
    document = with_mapping(
        EventSourceArn=CLICKS, StartingPosition="LATEST", ScalingConfig={"MaximumConcurrency": 5}
    )
    assert problems(document) == [
        f"{AT}: ScalingConfig: InvalidParameterValueException: ScalingConfig is not supported "
        "for Kinesis event sources; it applies to SQS only."
    ]


def test_kinesis_duplicate_mapping(problems: Problems) -> None:
    """§1.6.15: the stream text of the duplicate-mapping conflict, with the first UUID."""
    key = "test_lambda_integration_kinesis::test_duplicate_event_source_mappings::error"
    document = with_mapping(EventSourceArn=CLICKS, StartingPosition="LATEST")
    document["event_source_mappings"].append(
        {"FunctionName": "f", "EventSourceArn": CLICKS, "StartingPosition": "TRIM_HORIZON"}
    )
    first = EventSourceMappingConfig.default_uuid("f", CLICKS)
    text = recorded(key, resource_1="clicks", resource_2="f", uuid_1=first)
    assert problems(document) == [
        f"headrace.yaml: event_source_mappings[1] (f): {recorded_code(key)}: {text}"
    ]


def test_table_and_its_stream_are_one_source(problems: Problems) -> None:
    """§1.6.15: mapping a table's ARN and its stream's ARN to one function is a duplicate."""
    key = "test_lambda_integration_dynamodbstreams::test_duplicate_event_source_mappings::error"
    document = with_mapping(EventSourceArn=USERS_TABLE, StartingPosition="LATEST")
    document["event_source_mappings"].append(
        {"FunctionName": "f", "EventSourceArn": USERS, "StartingPosition": "LATEST"}
    )
    first = EventSourceMappingConfig.default_uuid("f", USERS_TABLE)
    text = recorded(
        key,
        resource_1="users",
        resource_2="2025-02-22T03:03:25.490",
        resource_3="f",
        uuid_2=first,
    )
    assert problems(document) == [
        f"headrace.yaml: event_source_mappings[1] (f): {recorded_code(key)}: {text}"
    ]


def test_stream_defaults(loaded: Loaded) -> None:
    """§1.3.2: stream mappings default to BatchSize 100, factor 1, -1 retries and age."""
    mapping = loaded(
        with_mapping(EventSourceArn=CLICKS, StartingPosition="LATEST")
    ).event_source_mappings[0]
    assert (mapping.batch_size, mapping.parallelization_factor) == (100, 1)
    assert (mapping.maximum_retry_attempts, mapping.maximum_record_age_in_seconds) == (-1, -1)
    assert mapping.bisect_batch_on_function_error is False
    assert mapping.tumbling_window_in_seconds == 0


def test_stream_batch_size_above_ten_without_window_is_accepted(loaded: Loaded) -> None:
    """§1.6.7 CONFLICT: the window rule is enforced for SQS only, not streams."""
    document = with_mapping(EventSourceArn=CLICKS, StartingPosition="LATEST", BatchSize=500)
    assert loaded(document).event_source_mappings[0].batch_size == 500
