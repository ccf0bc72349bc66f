"""Event source mappings on SQS queues: the errors CreateEventSourceMapping gives (§1.2, §1.6)."""

from __future__ import annotations

from config_docs import ACCOUNT, Loaded, Problems, queue_arn, recorded, recorded_code, with_mapping

from headrace.config import EventSourceMappingConfig

AT = "headrace.yaml: event_source_mappings[0] (f)"
ORDERS = queue_arn("orders")
FIFO = queue_arn("jobs.fifo")


def test_missing_event_source_arn(problems: Problems) -> None:
    """§1.6.1: a mapping without EventSourceArn is an unrecognized event source."""
    key = "test_lambda_api_esm::test_event_source_mapping_exceptions::create_no_event_source_arn"
    assert problems(with_mapping()) == [
        f"{AT}: EventSourceArn: {recorded_code(key)}: {recorded(key)}"
    ]


def test_arn_of_another_service_is_unrecognized(problems: Problems) -> None:
    """§1.6.1: an ARN that is not a queue, stream or table is not an event source."""
    arn = f"arn:aws:sns:us-east-1:{ACCOUNT}:topic"
    assert problems(with_mapping(EventSourceArn=arn)) == [
        f"{AT}: EventSourceArn: InvalidParameterValueException: Unrecognized event source."
    ]


def test_unknown_function(problems: Problems) -> None:
    """§1.6.2: a FunctionName that names no declared function does not exist."""
    key = "test_lambda_api_esm::test_event_source_mapping_exceptions::create_unknown_params"
    document = with_mapping(EventSourceArn=ORDERS)
    document["event_source_mappings"][0]["FunctionName"] = "nope"
    assert problems(document) == [
        "headrace.yaml: event_source_mappings[0] (nope): FunctionName: "
        f"{recorded_code(key)}: {recorded(key)}"
    ]


def test_missing_function_name(problems: Problems) -> None:
    """§1.2: FunctionName is required."""
    document = with_mapping(EventSourceArn=ORDERS)
    del document["event_source_mappings"][0]["FunctionName"]
    assert problems(document) == [
        "headrace.yaml: event_source_mappings[0]: FunctionName: ValidationException: "
        "1 validation error detected: Value null at 'functionName' failed to satisfy "
        "constraint: Member must not be null."
    ]


def test_function_named_by_its_arn_resolves(loaded: Loaded) -> None:
    """§1.2: FunctionName may be the function's ARN; the mapping stores the bare name."""
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"
    mapping = loaded(with_mapping(EventSourceArn=ORDERS, FunctionName=arn)).event_source_mappings[0]
    assert mapping.function_name == "f"


def test_function_with_latest_qualifier_resolves(loaded: Loaded) -> None:
    """§1.2: a ``:$LATEST`` qualifier names the function itself."""
    config = loaded(with_mapping(EventSourceArn=ORDERS, FunctionName="f:$LATEST"))
    assert config.event_source_mappings[0].function_name == "f"


def test_destination_config_on_sqs(problems: Problems) -> None:
    """§1.6.3: DestinationConfig is not supported on an SQS mapping."""
    key = "test_lambda_api_esm::test_event_source_mapping_exceptions::destination_config_failure"
    document = with_mapping(
        EventSourceArn=ORDERS,
        DestinationConfig={"OnSuccess": {"Destination": queue_arn("orders-dlq")}},
    )
    assert problems(document) == [f"{AT}: DestinationConfig: {recorded_code(key)}: {recorded(key)}"]


def test_batch_size_above_ten_needs_a_window(problems: Problems) -> None:
    """§1.6.7: an SQS BatchSize above 10 with no batching window is rejected."""
    key = (
        "test_lambda_integration_sqs::test_event_source_mapping_default_batch_size::"
        "invalid-create-event-source-mapping"
    )
    assert problems(with_mapping(EventSourceArn=ORDERS, BatchSize=11)) == [
        f"{AT}: BatchSize: {recorded_code(key)}: {recorded(key)}"
    ]


def test_batch_size_above_ten_with_a_window_is_accepted(loaded: Loaded) -> None:
    """§2.4: SQS standard takes up to 10000 records per batch with a window of at least 1 s."""
    document = with_mapping(
        EventSourceArn=ORDERS, BatchSize=10_000, MaximumBatchingWindowInSeconds=1
    )
    assert loaded(document).event_source_mappings[0].batch_size == 10_000


def test_batch_size_zero(problems: Problems) -> None:
    """§1.2: BatchSize is at least 1, in AWS's ValidationException wording."""
    assert problems(with_mapping(EventSourceArn=ORDERS, BatchSize=0)) == [
        f"{AT}: BatchSize: ValidationException: 1 validation error detected: Value '0' at "
        "'batchSize' failed to satisfy constraint: Member must have value greater than or "
        "equal to 1"
    ]


def test_batch_size_above_ten_thousand(problems: Problems) -> None:
    """§1.2: BatchSize is at most 10000."""
    document = with_mapping(
        EventSourceArn=ORDERS, BatchSize=10_001, MaximumBatchingWindowInSeconds=1
    )
    assert problems(document) == [
        f"{AT}: BatchSize: ValidationException: 1 validation error detected: Value '10001' at "
        "'batchSize' failed to satisfy constraint: Member must have value less than or equal "
        "to 10000"
    ]


def test_batch_size_of_the_wrong_type(problems: Problems) -> None:
    """§1.2: a string where an integer belongs is a clear problem, not a traceback."""
    assert problems(with_mapping(EventSourceArn=ORDERS, BatchSize="ten")) == [
        f"{AT}: BatchSize: ValidationException: 1 validation error detected: Value 'ten' at "
        "'batchSize' failed to satisfy constraint: Member must be an integer, not a string"
    ]


def test_batching_window_above_300(problems: Problems) -> None:
    """§2.3: the batching window is 0-300 seconds."""
    document = with_mapping(EventSourceArn=ORDERS, MaximumBatchingWindowInSeconds=301)
    assert problems(document) == [
        f"{AT}: MaximumBatchingWindowInSeconds: ValidationException: 1 validation error "
        "detected: Value '301' at 'maximumBatchingWindowInSeconds' failed to satisfy "
        "constraint: Member must have value less than or equal to 300"
    ]


def test_fifo_queue_rejects_a_window(problems: Problems) -> None:
    """§1.6.8: a FIFO queue mapping has no batching window."""
    document = with_mapping(EventSourceArn=FIFO, MaximumBatchingWindowInSeconds=5)
    assert problems(document) == [
        f"{AT}: MaximumBatchingWindowInSeconds: InvalidParameterValueException: "
        "Batching window is not supported for FIFO queues"
    ]


def test_fifo_queue_with_window_zero_is_accepted(loaded: Loaded) -> None:
    """§1.6.8: a window of 0 is no window, so a FIFO mapping may state it."""
    document = with_mapping(EventSourceArn=FIFO, MaximumBatchingWindowInSeconds=0)
    assert loaded(document).event_source_mappings[0].maximum_batching_window_in_seconds == 0


def test_fifo_queue_batch_size_above_ten(problems: Problems) -> None:
    """§1.6.9: a FIFO mapping takes at most 10 records (the historical text)."""
    assert problems(with_mapping(EventSourceArn=FIFO, BatchSize=11)) == [
        f"{AT}: BatchSize: InvalidParameterValueException: "
        "Maximum batch size must be between 1 and 10 inclusive"
    ]


def test_real_aws_fifo_queue_is_known_by_its_name(problems: Problems) -> None:
    """§1.6.9: a queue outside the file is FIFO when its name ends in .fifo."""
    arn = "arn:aws:sqs:eu-west-1:222222222222:remote.fifo"
    assert problems(with_mapping(EventSourceArn=arn, BatchSize=20)) == [
        f"{AT}: BatchSize: InvalidParameterValueException: "
        "Maximum batch size must be between 1 and 10 inclusive"
    ]


def test_function_timeout_above_visibility_timeout(problems: Problems) -> None:
    """§1.6.10: the function's Timeout may not exceed the queue's VisibilityTimeout."""
    document = with_mapping(EventSourceArn=ORDERS)
    document["functions"]["f"]["Timeout"] = 60
    assert problems(document) == [
        f"{AT}: EventSourceArn: InvalidParameterValueException: "
        "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds"
    ]


def test_function_timeout_equal_to_visibility_timeout_is_accepted(loaded: Loaded) -> None:
    """§4.1.6: a Timeout equal to the visibility timeout is allowed."""
    document = with_mapping(EventSourceArn=ORDERS)
    document["functions"]["f"]["Timeout"] = 30
    assert len(loaded(document).event_source_mappings) == 1


def test_queue_in_own_account_that_is_not_declared(problems: Problems) -> None:
    """§1.6.11: a queue ARN in the file's region and account must name a declared queue."""
    key = "test_lambda_integration_sqs::test_esm_with_not_existing_sqs_queue::error"
    assert problems(with_mapping(EventSourceArn=queue_arn("missing"))) == [
        f"{AT}: EventSourceArn: {recorded_code(key)}: {recorded(key)}"
    ]


def test_queue_in_another_account_is_a_real_aws_queue(loaded: Loaded) -> None:
    """design: an ARN that names nothing declared elsewhere is a real AWS queue, accepted."""
    arn = "arn:aws:sqs:us-east-1:222222222222:theirs"
    assert loaded(with_mapping(EventSourceArn=arn)).event_source_mappings[0].event_source_arn == arn


def test_duplicate_mapping_names_the_first_uuid(problems: Problems) -> None:
    """§1.6.15: a second mapping of the same queue and function conflicts with the first."""
    key = "test_lambda_integration_sqs::test_duplicate_event_source_mappings::error"
    document = with_mapping(EventSourceArn=ORDERS)
    document["event_source_mappings"].append({"FunctionName": "f", "EventSourceArn": ORDERS})
    first = EventSourceMappingConfig.default_uuid("f", ORDERS)
    text = recorded(key, resource_1="orders", resource_2="f", uuid_1=first)
    assert problems(document) == [
        f"headrace.yaml: event_source_mappings[1] (f): {recorded_code(key)}: {text}"
    ]


def test_every_mapping_gets_a_stable_uuid(loaded: Loaded) -> None:
    """§1.1.7: a mapping without UUID gets one derived from its function and source."""
    mapping = loaded(with_mapping(EventSourceArn=ORDERS)).event_source_mappings[0]
    assert mapping.uuid == EventSourceMappingConfig.default_uuid("f", ORDERS)


def test_given_uuid_is_kept(loaded: Loaded) -> None:
    """§1.1.7: an explicit UUID is used as given."""
    given = "6f1d8a8e-2f4c-4b9e-9a57-6b2f0c7e5a12"
    mapping = loaded(with_mapping(EventSourceArn=ORDERS, UUID=given)).event_source_mappings[0]
    assert mapping.uuid == given


def test_malformed_uuid(problems: Problems) -> None:
    """§1.1.7: a UUID is 36 characters in UUID form."""
    assert problems(with_mapping(EventSourceArn=ORDERS, UUID="abc")) == [
        f"{AT}: UUID: ValidationException: 1 validation error detected: Value 'abc' at 'UUID' "
        "failed to satisfy constraint: Member must be a UUID such as "
        "6f1d8a8e-2f4c-4b9e-9a57-6b2f0c7e5a11"
    ]


def test_two_mappings_cannot_share_a_uuid(problems: Problems) -> None:
    """§1.1.7: a UUID names one mapping."""
    given = "6f1d8a8e-2f4c-4b9e-9a57-6b2f0c7e5a12"
    document = with_mapping(EventSourceArn=ORDERS, UUID=given)
    document["event_source_mappings"].append(
        {"FunctionName": "f", "EventSourceArn": FIFO, "UUID": given}
    )
    assert problems(document) == [
        f"headrace.yaml: event_source_mappings[1] (f): UUID: ResourceConflictException: "
        f"UUID {given} is already used by event_source_mappings[0]."
    ]


def test_stream_only_field_on_sqs(problems: Problems) -> None:
    """§1.6.18 (UNCONFIRMED, chosen): stream-only fields are rejected on SQS mappings."""
    assert problems(with_mapping(EventSourceArn=ORDERS, ParallelizationFactor=2)) == [
        f"{AT}: ParallelizationFactor: InvalidParameterValueException: ParallelizationFactor "
        "is not supported for SQS event sources; it applies to Kinesis and DynamoDB Streams only."
    ]


def test_scaling_config_with_provisioned_pollers(problems: Problems) -> None:
    """§1.6.17 (message chosen): ScalingConfig and ProvisionedPollerConfig exclude each other."""
    document = with_mapping(
        EventSourceArn=ORDERS,
        ScalingConfig={"MaximumConcurrency": 5},
        ProvisionedPollerConfig={"MinimumPollers": 2},
    )
    assert problems(document) == [
        f"{AT}: ScalingConfig: InvalidParameterValueException: "
        "ScalingConfig and ProvisionedPollerConfig cannot be used together."
    ]


def test_maximum_concurrency_below_two(problems: Problems) -> None:
    """§1.2: ScalingConfig.MaximumConcurrency is 2-1000."""
    document = with_mapping(EventSourceArn=ORDERS, ScalingConfig={"MaximumConcurrency": 1})
    assert problems(document) == [
        f"{AT}: ScalingConfig.MaximumConcurrency: ValidationException: 1 validation error "
        "detected: Value '1' at 'scalingConfig.maximumConcurrency' failed to satisfy "
        "constraint: Member must have value greater than or equal to 2"
    ]


def test_maximum_concurrency_is_kept(loaded: Loaded) -> None:
    """§1.2: ScalingConfig.MaximumConcurrency reaches the mapping."""
    document = with_mapping(EventSourceArn=ORDERS, ScalingConfig={"MaximumConcurrency": 7})
    assert loaded(document).event_source_mappings[0].maximum_concurrency == 7


def test_unknown_function_response_type(problems: Problems) -> None:
    """§1.2: FunctionResponseTypes takes only ReportBatchItemFailures."""
    document = with_mapping(EventSourceArn=ORDERS, FunctionResponseTypes=["ReportFailures"])
    assert problems(document) == [
        f"{AT}: FunctionResponseTypes: ValidationException: 1 validation error detected: "
        "Value '[ReportFailures]' at 'functionResponseTypes' failed to satisfy constraint: "
        "Member must satisfy constraint: [Member must satisfy enum value set: "
        "[ReportBatchItemFailures]]"
    ]


def test_misspelt_key_suggests_the_closest(problems: Problems) -> None:
    """design: an unknown key is rejected, naming the file, the mapping and the closest key."""
    assert problems(with_mapping(EventSourceArn=ORDERS, BatchSzie=10)) == [
        f"{AT}: BatchSzie: ValidationException: unknown key; did you mean BatchSize?"
    ]


def test_key_in_the_wrong_case_suggests_the_right_one(problems: Problems) -> None:
    """design: ``batchSize`` is not ``BatchSize``; the right spelling is suggested."""
    assert problems(with_mapping(EventSourceArn=ORDERS, batchSize=10)) == [
        f"{AT}: batchSize: ValidationException: unknown key; did you mean BatchSize?"
    ]


def test_kafka_fields_are_not_run(problems: Problems) -> None:
    """§1.2: Kafka / MQ fields are out of scope and say so."""
    assert problems(with_mapping(EventSourceArn=ORDERS, Topics=["t"])) == [
        f"{AT}: Topics: InvalidParameterValueException: Topics applies to Kafka, Amazon MQ "
        "and DocumentDB event sources, which headrace does not run."
    ]


def test_ignored_fields_are_accepted(loaded: Loaded) -> None:
    """§1.2: KMSKeyArn and Tags are accepted and not used."""
    document = with_mapping(EventSourceArn=ORDERS, KMSKeyArn="arn:aws:kms:x", Tags={"a": "b"})
    assert len(loaded(document).event_source_mappings) == 1


def test_sqs_defaults(loaded: Loaded) -> None:
    """§1.3.1: an SQS mapping defaults to BatchSize 10, no window, no stream fields."""
    mapping = loaded(with_mapping(EventSourceArn=ORDERS)).event_source_mappings[0]
    assert (mapping.batch_size, mapping.maximum_batching_window_in_seconds) == (10, 0)
    assert mapping.parallelization_factor is None
    assert mapping.enabled is True
