"""Check and build ``event_source_mappings:``, with the errors CreateEventSourceMapping gives.

Each mapping is checked field by field (ranges in AWS's ValidationException wording, §1.2),
then against its source kind (§1.6.3-1.6.9, §1.6.18), its function and its source (§1.6.2,
§1.6.10-1.6.12); finally mappings are compared with each other (§1.6.15, repeated UUIDs).
A mapping with any problem is left out of the result. Every mapping gets a stable UUID
(:meth:`EventSourceMappingConfig.default_uuid`) unless it gives one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from headrace.config.kinds import Home, ResolvedSource
from headrace.config.mapping_fields import (
    QUEUE_ONLY_KEYS,
    STREAM_ONLY_KEYS,
    UNSUPPORTED_DESTINATION,
    check_common_fields,
    check_queue_fields,
    check_stream_fields,
    normalised_filters,
)
from headrace.config.model import Config, EventSourceMappingConfig
from headrace.config.problems import (
    INVALID_PARAMETER,
    RESOURCE_CONFLICT,
    VALIDATION,
    Problems,
    Scope,
    check_keys,
    type_name,
)
from headrace.config.validate_links import (
    Declared,
    check_visibility_timeout,
    duplicate_message,
    resolve_function,
    resolve_source,
)
from headrace.config.validate_source_fields import (
    OTHER_SOURCE_FIELDS,
    check_source_fields,
    source_kind,
)
from headrace.errors import (
    AwsError,
    ConfigProblem,
    InvalidParameterValueException,
    ResourceConflictException,
    ValidationException,
)

# CreateEventSourceMapping fields headrace knows: those of SQS, Kinesis and DynamoDB
# Streams, and the source fields a kind may read (validate_source_fields.py).
MAPPING_KEYS = frozenset(
    {
        "FunctionName",
        "EventSourceArn",
        *OTHER_SOURCE_FIELDS,
        "UUID",
        "Enabled",
        "BatchSize",
        "MaximumBatchingWindowInSeconds",
        "FilterCriteria",
        "FunctionResponseTypes",
        "MetricsConfig",
        *QUEUE_ONLY_KEYS,
        *STREAM_ONLY_KEYS,
    }
)
# Accepted for compatibility and not used: encryption of filters, tags.
MAPPING_IGNORED_KEYS = frozenset({"KMSKeyArn", "Tags"})
# Other fields of Kafka, Amazon MQ and DocumentDB mappings, which headrace does not run.
OTHER_SOURCE_KEYS = frozenset(
    {
        "AmazonManagedKafkaEventSourceConfig",
        "SelfManagedKafkaEventSourceConfig",
        "DocumentDBEventSourceConfig",
        "LoggingConfig",
    }
)


@dataclass(frozen=True, slots=True)
class _Checked:
    """A mapping without problems of its own, and the source it reads."""

    mapping: EventSourceMappingConfig
    source: ResolvedSource


@dataclass(frozen=True, slots=True)
class _Seen:
    """The first mapping of a (function, source) pair or of a UUID, for duplicate checks."""

    index: int
    uuid: str


def validate_mappings(
    problems: Problems, raw: Sequence[Any], declared: Declared
) -> tuple[EventSourceMappingConfig, ...]:
    """Check every mapping and their combinations; return the mappings that passed."""
    built: list[EventSourceMappingConfig] = []
    pairs: dict[tuple[str, str], _Seen] = {}
    uuids: dict[str, _Seen] = {}
    for index, data in enumerate(raw):
        scope = problems.at(mapping_label(index, data))
        before = scope.count()
        checked = _validate_mapping(scope, data, declared)
        if checked is None:
            continue
        mapping = checked.mapping
        if not _is_duplicate(scope, index, mapping, checked.source, pairs):
            _check_uuid_reuse(scope, index, mapping, uuids)
        if scope.count() == before:
            built.append(mapping)
    return tuple(built)


def mapping_label(index: int, data: Any) -> str:
    """``event_source_mappings[1] (process-orders)``, or without the name if it has none."""
    label = f"event_source_mappings[{index}]"
    name = data.get("FunctionName") if isinstance(data, Mapping) else None
    return f"{label} ({name})" if isinstance(name, str) and name else label


def _validate_mapping(scope: Scope, data: Any, declared: Declared) -> _Checked | None:
    if not isinstance(data, Mapping):
        message = f"expected a mapping of CreateEventSourceMapping fields, got {type_name(data)}"
        scope.add(None, VALIDATION, message)
        return None
    before = scope.count()
    check_keys(scope, data, MAPPING_KEYS, MAPPING_IGNORED_KEYS | OTHER_SOURCE_KEYS)
    home = Home(declared.config.region, declared.config.account)
    check_source_fields(scope, data, source_kind(data, home))
    for key in sorted(OTHER_SOURCE_KEYS & set(data)):
        message = (
            f"{key} applies to Kafka, Amazon MQ and DocumentDB event sources, "
            "which headrace does not run."
        )
        scope.add(key, INVALID_PARAMETER, message)
    function = resolve_function(scope, data, declared)
    source = resolve_source(scope, data, declared)
    check_common_fields(scope, data, source)
    check_queue_fields(scope, data, source)
    timestamp = check_stream_fields(scope, data, source, declared)
    check_visibility_timeout(scope, function, source)
    if scope.count() != before or function is None or source is None:
        return None
    fields = dict(data) | {"FunctionName": function.name}
    if timestamp is not None:
        fields["StartingPositionTimestamp"] = timestamp
    if "FilterCriteria" in data:
        fields["FilterCriteria"] = normalised_filters(data["FilterCriteria"])
    return _Checked(EventSourceMappingConfig.from_aws(fields), source)


def _is_duplicate(
    scope: Scope,
    index: int,
    mapping: EventSourceMappingConfig,
    source: ResolvedSource,
    pairs: dict[tuple[str, str], _Seen],
) -> bool:
    """§1.6.15: one mapping per (function, source); a table and its stream are one source."""
    key = (mapping.function_name, source.identity)
    first = pairs.setdefault(key, _Seen(index, mapping.uuid))
    if first.index == index:
        return False
    message = duplicate_message(source, mapping.function_name, first.uuid)
    scope.add(None, RESOURCE_CONFLICT, message)
    return True


def _check_uuid_reuse(
    scope: Scope, index: int, mapping: EventSourceMappingConfig, uuids: dict[str, _Seen]
) -> None:
    """Two mappings cannot share a UUID (only reachable with an explicit ``UUID``)."""
    first = uuids.setdefault(mapping.uuid, _Seen(index, mapping.uuid))
    if first.index != index:
        message = f"UUID {mapping.uuid} is already used by event_source_mappings[{first.index}]."
        scope.add("UUID", RESOURCE_CONFLICT, message)


def check_request(
    config: Config, data: Mapping[str, Any], others: Sequence[EventSourceMappingConfig]
) -> EventSourceMappingConfig:
    """One mapping of an API request checked as the file's mappings are, against the
    resources of ``config`` and the mappings that exist (``others``, for §1.6.15).

    ``data`` is CreateEventSourceMapping's fields, or for an update the mapping's fields with
    the changes applied. The first problem (in the order AWS checks, :func:`first_problem`)
    is raised as AWS's error; a mapping of another UUID on the same function and source is
    a ResourceConflictException naming it.
    """
    problems = Problems(file="")
    declared = Declared(
        config=config,
        queues=frozenset(config.queues),
        streams=frozenset(config.streams),
        tables=frozenset(config.tables),
        functions=frozenset(config.functions),
    )
    checked = _validate_mapping(problems.at(""), data, declared)
    if problems.found or checked is None:
        raise first_problem(problems.found)
    mapping = checked.mapping
    for other in others:
        if other.uuid == mapping.uuid or other.function_name != mapping.function_name:
            continue
        if _identity(other, declared) == checked.source.identity:
            message = duplicate_message(checked.source, mapping.function_name, other.uuid)
            raise ResourceConflictException(message)
    return mapping


def first_problem(found: Sequence[ConfigProblem]) -> AwsError:
    """The problem an API call reports, as its AWS error: shape checks (ValidationException)
    come first, then the destination check, which AWS makes before it looks the function
    up (§1.6.3), then the rest in the order found."""

    def rank(problem: ConfigProblem) -> int:
        if problem.code == VALIDATION:
            return 0
        return 1 if problem.message == UNSUPPORTED_DESTINATION else 2

    problem = min(found, key=rank)
    error = {VALIDATION: ValidationException, RESOURCE_CONFLICT: ResourceConflictException}
    return error.get(problem.code, InvalidParameterValueException)(problem.message)


def _identity(mapping: EventSourceMappingConfig, declared: Declared) -> str | None:
    """What counts as ``mapping``'s source for duplicates (None: it no longer resolves)."""
    source = resolve_source(Problems(file="").at(""), mapping.to_aws(), declared)
    return None if source is None else source.identity
