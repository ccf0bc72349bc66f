"""Check and build the ``streams:`` (Kinesis) and ``tables:`` (DynamoDB) sections.

Shapes are checked lightly: the keys, types and ranges the embedded broker relies on, with
the ValidationException texts Kinesis and DynamoDB use. An entry with any problem is left
out of the result.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from headrace.config.problems import (
    VALIDATION,
    Problems,
    Scope,
    check_keys,
    check_name,
    read_bool,
    read_entry,
    read_enum,
    read_int,
    read_list,
    read_section,
    read_str,
    require,
    type_name,
    validation_message,
)
from headrace.config.resources import StreamConfig, TableConfig
from headrace.config.validate_mappings import first_problem

# Kinesis: stream names are 1-128 of these characters.
STREAM_NAME = re.compile(r"[a-zA-Z0-9_.-]{1,128}")
# DynamoDB: table names are 3-255 of these characters.
TABLE_NAME = re.compile(r"[a-zA-Z0-9_.-]{3,255}")
# Kinesis retention: one day to one year, in hours.
RETENTION_HOURS = (24, 8_760)
# CreateStream keys the embedded stream uses.
STREAM_KEYS = frozenset({"ShardCount", "RetentionPeriodHours"})
# CreateStream / AWS::Kinesis::Stream keys accepted and not used.
STREAM_IGNORED_KEYS = frozenset({"Name", "StreamModeDetails", "StreamEncryption", "Tags"})
# CreateTable keys the embedded table uses.
TABLE_KEYS = frozenset({"KeySchema", "AttributeDefinitions", "StreamSpecification"})
# CreateTable / AWS::DynamoDB::Table keys accepted and not used by the embedded table.
TABLE_IGNORED_KEYS = frozenset(
    {
        "TableName",
        "BillingMode",
        "ProvisionedThroughput",
        "OnDemandThroughput",
        "WarmThroughput",
        "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes",
        "SSESpecification",
        "TableClass",
        "DeletionProtectionEnabled",
        "TimeToLiveSpecification",
        "PointInTimeRecoverySpecification",
        "ContributorInsightsSpecification",
        "KinesisStreamSpecification",
        "ResourcePolicy",
        "ImportSourceSpecification",
        "Tags",
    }
)
# StreamSpecification keys; ShardCount is headrace's extension.
STREAM_SPEC_KEYS = frozenset({"StreamEnabled", "StreamViewType", "ShardCount"})
# DynamoDB's enums, in the order its messages list them.
STREAM_VIEW_TYPES = ("NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY")
KEY_TYPES = ("HASH", "RANGE")
ATTRIBUTE_TYPES = ("S", "N", "B")
# A key schema has a partition key and at most one sort key.
MAX_KEY_SCHEMA_ELEMENTS = 2


def validate_streams(problems: Problems, raw: Mapping[str, Any]) -> dict[str, StreamConfig]:
    """Check every embedded stream; return those that passed."""
    built: dict[str, StreamConfig] = {}
    for name, data in raw.items():
        scope = problems.at(f"streams.{name}")
        before = scope.count()
        entry = read_entry(scope, data, "stream settings")
        if entry is None:
            continue
        check_name(scope, str(name), STREAM_NAME, "streamName")
        check_keys(scope, entry, STREAM_KEYS, STREAM_IGNORED_KEYS)
        read_int(scope, entry, "ShardCount", 1)
        read_int(scope, entry, "RetentionPeriodHours", *RETENTION_HOURS)
        if scope.count() == before:
            built[str(name)] = StreamConfig.from_aws(str(name), entry)
    return built


def validate_tables(problems: Problems, raw: Mapping[str, Any]) -> dict[str, TableConfig]:
    """Check every embedded table; return those that passed."""
    built: dict[str, TableConfig] = {}
    for name, data in raw.items():
        scope = problems.at(f"tables.{name}")
        before = scope.count()
        entry = read_entry(scope, data, "table settings")
        if entry is None:
            continue
        check_name(scope, str(name), TABLE_NAME, "tableName")
        check_keys(scope, entry, TABLE_KEYS, TABLE_IGNORED_KEYS)
        keys = _key_schema(scope, entry)
        defined = _attribute_definitions(scope, entry)
        if keys is not None and defined is not None:
            _keys_defined(scope, keys, defined)
        _stream_specification(scope, entry)
        if scope.count() == before:
            built[str(name)] = TableConfig.from_aws(str(name), entry)
    return built


def check_table_request(name: str, data: Mapping[str, Any]) -> TableConfig:
    """CreateTable's request checked as a table of the file is (the same checks and
    texts), the first problem raised as DynamoDB's ValidationException; the other
    CreateTable members are accepted and not used."""
    problems = Problems(file="")
    entry = {key: value for key, value in data.items() if key in TABLE_KEYS}
    built = validate_tables(problems, {name: entry})
    if problems.found:
        raise first_problem(problems.found)
    return built[name]


def _key_schema(scope: Scope, entry: Mapping[str, Any]) -> list[str] | None:
    """The key attribute names, HASH first; None if KeySchema is missing or malformed."""
    if not require(scope, entry, "KeySchema"):
        return None
    elements = read_list(scope, entry, "KeySchema")
    if elements is None:
        return None
    if not 1 <= len(elements) <= MAX_KEY_SCHEMA_ELEMENTS:
        bound = "greater than or equal to 1" if not elements else "less than or equal to 2"
        constraint = f"Member must have length {bound}"
        scope.add("KeySchema", VALIDATION, validation_message(elements, "keySchema", constraint))
        return None
    names = _named_elements(scope, elements, "KeySchema", "KeyType", KEY_TYPES)
    if names is None:
        return None
    types = [element["KeyType"] for element in elements]
    if types[0] != "HASH":
        message = "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
        scope.add("KeySchema", VALIDATION, message)
        return None
    if len(types) == MAX_KEY_SCHEMA_ELEMENTS and types[1] != "RANGE":
        message = "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"
        scope.add("KeySchema", VALIDATION, message)
        return None
    return names


def _attribute_definitions(scope: Scope, entry: Mapping[str, Any]) -> list[str] | None:
    if not require(scope, entry, "AttributeDefinitions"):
        return None
    elements = read_list(scope, entry, "AttributeDefinitions")
    if elements is None:
        return None
    return _named_elements(
        scope, elements, "AttributeDefinitions", "AttributeType", ATTRIBUTE_TYPES
    )


def _named_elements(
    scope: Scope, elements: Sequence[Any], label: str, type_key: str, types: Sequence[str]
) -> list[str] | None:
    """Check ``[{AttributeName, <type_key>}]`` elements; return the names if all are valid."""
    before = scope.count()
    names: list[str] = []
    for index, element in enumerate(elements):
        where = scope.nested(f"{label}[{index}]")
        if not isinstance(element, Mapping):
            where.add(None, VALIDATION, f"expected a mapping, got {type_name(element)}")
            continue
        check_keys(where, element, ("AttributeName", type_key))
        if require(where, element, "AttributeName"):
            name = read_str(where, element, "AttributeName")
            names.append(name or "")
        if require(where, element, type_key):
            read_enum(where, element, type_key, types)
    return names if scope.count() == before else None


def _keys_defined(scope: Scope, keys: Sequence[str], defined: Sequence[str]) -> None:
    if set(keys) <= set(defined):
        return
    message = (
        "One or more parameter values were invalid: Some index key attributes are not defined "
        f"in AttributeDefinitions. Keys: [{', '.join(keys)}], "
        f"AttributeDefinitions: [{', '.join(defined)}]"
    )
    scope.add("KeySchema", VALIDATION, message)


def _stream_specification(scope: Scope, entry: Mapping[str, Any]) -> None:
    section = read_section(scope, entry, "StreamSpecification", STREAM_SPEC_KEYS)
    if section is None:
        return
    where, spec = section
    enabled = read_bool(where, spec, "StreamEnabled")
    if enabled is not False and require(where, spec, "StreamViewType"):
        read_enum(where, spec, "StreamViewType", STREAM_VIEW_TYPES)
    read_int(where, spec, "ShardCount", 1)
