"""Field checks of one event source mapping, by the kind of source it reads.

Ranges follow the API model (§1.2) in AWS's ValidationException wording; combinations follow
the messages AWS returns (§1.6). ``source`` is None when EventSourceArn could not be
resolved: fields are then checked for shape and range only.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from collections.abc import Mapping
from typing import Any

from headrace import arn as arnlib
from headrace.config.kinds import STARTING_POSITIONS, ResolvedSource
from headrace.config.mapping_time import check_timestamp
from headrace.config.optional import filter_pattern_problem
from headrace.config.problems import (
    INVALID_PARAMETER,
    VALIDATION,
    Scope,
    check_keys,
    member_name,
    read_bool,
    read_enum,
    read_int,
    read_list,
    read_section,
    read_str,
    require,
    type_name,
    validation_message,
)
from headrace.config.validate_links import Declared

# §1.6.3, §1.6.7, §1.6.8, §1.6.13: the texts AWS returns.
UNSUPPORTED_DESTINATION = (
    "Unsupported DestinationConfig parameter for given event source mapping type."
)
WINDOW_REQUIRED = (
    "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
    "greater than 10"
)
FIFO_WINDOW = "Batching window is not supported for FIFO queues"
RECORD_AGE = (
    "MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)"
)
# Below this, a MaximumRecordAgeInSeconds other than -1 is rejected (§1.6.13).
MIN_RECORD_AGE = 60
# Filters per mapping: AWS's default quota (§6.2; raising it needs a quota request).
MAX_FILTERS = 5
# Longest Pattern string the API accepts (§6.1).
MAX_PATTERN_LENGTH = 4096
# Longest OnFailure destination the API accepts (§1.2).
MAX_DESTINATION_LENGTH = 350
# The API's enums (§1.2).
FUNCTION_RESPONSE_TYPES = ("ReportBatchItemFailures",)
METRICS = ("EventCount", "ErrorCount", "KafkaMetrics")
# Services an OnFailure destination may be (§1.2.0: SQS, SNS and S3).
DESTINATION_SERVICES = frozenset({"sqs", "sns", "s3"})
# Fields that apply to Kinesis and DynamoDB Streams only (§1.2, §4.1.10).
STREAM_ONLY_KEYS = (
    "ParallelizationFactor",
    "StartingPosition",
    "StartingPositionTimestamp",
    "DestinationConfig",
    "MaximumRecordAgeInSeconds",
    "BisectBatchOnFunctionError",
    "MaximumRetryAttempts",
    "TumblingWindowInSeconds",
)
# Fields that apply to SQS only (§1.2).
QUEUE_ONLY_KEYS = ("ScalingConfig", "ProvisionedPollerConfig")
# ProvisionedPollerConfig's members (§1.2).
POLLER_KEYS = ("MinimumPollers", "MaximumPollers")


def check_common_fields(
    scope: Scope, data: Mapping[str, Any], source: ResolvedSource | None
) -> None:
    """UUID, Enabled, batching, filters, response types and metrics (every source kind)."""
    uuid = read_str(scope, data, "UUID")
    if uuid is not None and not _is_uuid(uuid):
        constraint = "Member must be a UUID such as 6f1d8a8e-2f4c-4b9e-9a57-6b2f0c7e5a11"
        scope.add("UUID", VALIDATION, validation_message(uuid, "UUID", constraint))
    read_bool(scope, data, "Enabled")
    batch = read_int(scope, data, "BatchSize", 1, 10_000)
    window = read_int(scope, data, "MaximumBatchingWindowInSeconds", 0, 300)
    if "MaximumBatchingWindowInSeconds" not in data:
        window = 0
    if source is not None:
        _check_batching(scope, source, batch, window)
    _check_filters(scope, data, source)
    _check_response_types(scope, data)
    _check_metrics(scope, data, source)


def _check_batching(
    scope: Scope, source: ResolvedSource, batch: int | None, window: int | None
) -> None:
    """§1.6.7-1.6.9: SQS needs a window above 10 records; FIFO has no window and at most 10."""
    defaults = source.defaults
    limit = defaults.max_batch_size_without_window
    if limit is not None and batch is not None and batch > limit and window == 0:
        scope.add("BatchSize", INVALID_PARAMETER, WINDOW_REQUIRED)
    if batch is not None and batch > defaults.max_batch_size:
        message = f"Maximum batch size must be between 1 and {defaults.max_batch_size} inclusive"
        scope.add("BatchSize", INVALID_PARAMETER, message)
    if not defaults.supports_window and window:
        scope.add("MaximumBatchingWindowInSeconds", INVALID_PARAMETER, FIFO_WINDOW)


def _is_uuid(text: str) -> bool:
    try:
        return str(uuidlib.UUID(text)) == text.lower() and len(text) == 36
    except ValueError:
        return False


def _check_filters(scope: Scope, data: Mapping[str, Any], source: ResolvedSource | None) -> None:
    """FilterCriteria's shape, the quota, and each pattern compiled for the source (§1.6.14)."""
    section = read_section(scope, data, "FilterCriteria", ("Filters",))
    if section is None:
        return
    where, criteria = section
    filters = read_list(where, criteria, "Filters")
    if filters is None:
        return
    if len(filters) > MAX_FILTERS:
        message = (
            f"{len(filters)} filters given; the quota is {MAX_FILTERS} filters "
            "per event source mapping."
        )
        where.add("Filters", INVALID_PARAMETER, message)
    for index, item in enumerate(filters):
        _check_filter(where.nested(f"Filters[{index}]"), item, source)


def _check_filter(scope: Scope, item: Any, source: ResolvedSource | None) -> None:
    if not isinstance(item, Mapping):
        scope.add(None, VALIDATION, f"expected a mapping with a Pattern, got {type_name(item)}")
        return
    check_keys(scope, item, ("Pattern",))
    if not require(scope, item, "Pattern", INVALID_PARAMETER):
        return
    pattern = _pattern_text(item["Pattern"])
    if pattern is None:
        read_str(scope, item, "Pattern")
    elif len(pattern) > MAX_PATTERN_LENGTH:
        member = member_name(scope.prefix + "Pattern")
        constraint = f"Member must have length less than or equal to {MAX_PATTERN_LENGTH}"
        scope.add(
            "Pattern", VALIDATION, validation_message(pattern[:40] + "...", member, constraint)
        )
    elif source is not None:
        error = filter_pattern_problem(pattern, source.kind)
        if error is not None:
            scope.add("Pattern", error.code, error.message)


def _pattern_text(value: Any) -> str | None:
    """A Pattern as AWS takes it (a JSON string); a YAML mapping is written out as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return json.dumps(value)
    return None


def normalised_filters(criteria: Mapping[str, Any]) -> dict[str, Any]:
    """FilterCriteria with every Pattern as a JSON string (call only after it passed)."""
    filters = criteria.get("Filters") or []
    return {"Filters": [{"Pattern": _pattern_text(f["Pattern"])} for f in filters]}


def _check_response_types(scope: Scope, data: Mapping[str, Any]) -> None:
    types = read_list(scope, data, "FunctionResponseTypes")
    if types is None:
        return
    if len(types) > len(FUNCTION_RESPONSE_TYPES):
        constraint = "Member must have length less than or equal to 1"
    elif any(t not in FUNCTION_RESPONSE_TYPES for t in types):
        constraint = _list_enum_constraint(FUNCTION_RESPONSE_TYPES)
    else:
        return
    message = validation_message(types, "functionResponseTypes", constraint)
    scope.add("FunctionResponseTypes", VALIDATION, message)


def _check_metrics(scope: Scope, data: Mapping[str, Any], source: ResolvedSource | None) -> None:
    section = read_section(scope, data, "MetricsConfig", ("Metrics",))
    if section is None:
        return
    where, config = section
    metrics = read_list(where, config, "Metrics")
    if metrics is None:
        return
    if any(m not in METRICS for m in metrics):
        constraint = _list_enum_constraint(METRICS)
        where.add(
            "Metrics", VALIDATION, validation_message(metrics, "metricsConfig.metrics", constraint)
        )
    elif source is not None and any(m != "EventCount" for m in metrics):
        name = source.defaults.display_name
        message = f"Only the EventCount metric is supported for {name} event sources."
        where.add("Metrics", INVALID_PARAMETER, message)


def _list_enum_constraint(allowed: tuple[str, ...]) -> str:
    values = ", ".join(allowed)
    return f"Member must satisfy constraint: [Member must satisfy enum value set: [{values}]]"


def check_queue_fields(
    scope: Scope, data: Mapping[str, Any], source: ResolvedSource | None
) -> None:
    """ScalingConfig and ProvisionedPollerConfig: SQS only, not both (§1.6.17, §1.6.18)."""
    present = [k for k in QUEUE_ONLY_KEYS if data.get(k) is not None]
    if source is not None and not source.defaults.supports_scaling_config:
        for key in present:
            scope.add(key, INVALID_PARAMETER, _not_supported(key, source, "SQS"))
        return
    scaling = read_section(scope, data, "ScalingConfig", ("MaximumConcurrency",))
    if scaling is not None:
        where, config = scaling
        read_int(where, config, "MaximumConcurrency", 2, 1_000)
    pollers = read_section(scope, data, "ProvisionedPollerConfig", POLLER_KEYS)
    if pollers is not None:
        where, config = pollers
        read_int(where, config, "MinimumPollers", 1, 200)
        read_int(where, config, "MaximumPollers", 1, 10_000)
    # Only two non-empty blocks conflict (an empty one configures nothing).
    if scaling and scaling[1] and pollers and pollers[1]:
        message = "ScalingConfig and ProvisionedPollerConfig cannot be used together."
        scope.add("ScalingConfig", INVALID_PARAMETER, message)


def _not_supported(key: str, source: ResolvedSource, applies_to: str) -> str:
    name = source.defaults.display_name
    return f"{key} is not supported for {name} event sources; it applies to {applies_to} only."


def check_stream_fields(
    scope: Scope, data: Mapping[str, Any], source: ResolvedSource | None, declared: Declared
) -> float | None:
    """Kinesis and DynamoDB Streams fields (§1.6.3-1.6.6, §1.6.13); returns the start timestamp."""
    if source is not None and not source.defaults.is_stream:
        for key in (k for k in STREAM_ONLY_KEYS if data.get(k) is not None):
            applies = _not_supported(key, source, "Kinesis and DynamoDB Streams")
            message = UNSUPPORTED_DESTINATION if key == "DestinationConfig" else applies
            scope.add(key, INVALID_PARAMETER, message)
        return None
    read_int(scope, data, "ParallelizationFactor", 1, 10)
    position = _check_starting_position(scope, data, source)
    timestamp = check_timestamp(scope, data, position)
    _check_destination(scope, data, declared)
    age = read_int(scope, data, "MaximumRecordAgeInSeconds", -1, 604_800)
    if age is not None and 0 <= age < MIN_RECORD_AGE:
        scope.add("MaximumRecordAgeInSeconds", INVALID_PARAMETER, RECORD_AGE)
    read_bool(scope, data, "BisectBatchOnFunctionError")
    read_int(scope, data, "MaximumRetryAttempts", -1, 10_000)
    read_int(scope, data, "TumblingWindowInSeconds", 0, 900)
    return timestamp


def _check_starting_position(
    scope: Scope, data: Mapping[str, Any], source: ResolvedSource | None
) -> str | None:
    """§1.6.4 required on streams, §1.6.5 enum, §1.6.6 AT_TIMESTAMP is Kinesis only."""
    required = source is not None and source.defaults.starting_position_required
    if required and not require(scope, data, "StartingPosition", INVALID_PARAMETER):
        return None
    position = read_enum(scope, data, "StartingPosition", STARTING_POSITIONS)
    if position is None or source is None or position in source.defaults.starting_positions:
        return position
    message = f"Unsupported starting position for arn type: {source.arn}"
    scope.add("StartingPosition", INVALID_PARAMETER, message)
    return None


def _check_destination(scope: Scope, data: Mapping[str, Any], declared: Declared) -> None:
    """OnFailure only (§1.6.3); an SQS destination in this account must be declared."""
    section = read_section(scope, data, "DestinationConfig", ("OnFailure", "OnSuccess"))
    if section is None:
        return
    where, config = section
    if "OnSuccess" in config:
        where.add("OnSuccess", INVALID_PARAMETER, UNSUPPORTED_DESTINATION)
    on_failure_section = read_section(where, config, "OnFailure", ("Destination",))
    if on_failure_section is None:
        return
    where, on_failure = on_failure_section
    destination = read_str(where, on_failure, "Destination")
    if destination:
        _check_destination_arn(where, destination, declared)


def _check_destination_arn(scope: Scope, destination: str, declared: Declared) -> None:
    parsed = arnlib.parse(destination)
    if len(destination) > MAX_DESTINATION_LENGTH:
        constraint = f"Member must have length less than or equal to {MAX_DESTINATION_LENGTH}"
        member = "destinationConfig.onFailure.destination"
        scope.add("Destination", VALIDATION, validation_message(destination, member, constraint))
    elif parsed is None or parsed.service not in DESTINATION_SERVICES:
        message = (
            f"Unsupported destination {destination}: an OnFailure destination is the ARN of "
            "an SQS queue, an SNS topic or an S3 bucket."
        )
        scope.add("Destination", INVALID_PARAMETER, message)
    elif declared.config.is_local(destination, "sqs") and parsed.resource not in declared.queues:
        message = (
            f"The destination queue does not exist: {destination}. Declare it under queues: "
            "(an ARN in another region or account is a real AWS queue)."
        )
        scope.add("Destination", INVALID_PARAMETER, message)
