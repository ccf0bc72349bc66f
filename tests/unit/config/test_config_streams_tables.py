"""The streams: and tables: sections: light shape checks with Kinesis's and DynamoDB's texts."""

from __future__ import annotations

from typing import Any

import pytest
from config_docs import Loaded, Problems, base_document

from headrace.config import (
    AttributeDefinition,
    KeySchemaElement,
    StreamConfig,
    StreamSpecification,
    TableConfig,
)


def with_table(**fields: Any) -> dict[str, Any]:
    document = base_document()
    document["tables"]["users"] = fields
    return document


def users(**extra: Any) -> dict[str, Any]:
    return {
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        **extra,
    }


def test_stream_is_built(loaded: Loaded) -> None:
    """design: a stream declares ShardCount and RetentionPeriodHours."""
    document = base_document()
    document["streams"]["clicks"] = {"ShardCount": 4, "RetentionPeriodHours": 48}
    stream = loaded(document).streams["clicks"]
    assert stream == StreamConfig(name="clicks", shard_count=4, retention_period_hours=48)


def test_stream_defaults(loaded: Loaded) -> None:
    """design (chosen): one shard and Kinesis's 24-hour retention by default."""
    document = base_document()
    document["streams"]["clicks"] = None
    assert loaded(document).streams["clicks"] == StreamConfig(name="clicks")


def test_stream_shard_count_zero(problems: Problems) -> None:
    """Kinesis CreateStream: ShardCount is at least 1."""
    document = base_document()
    document["streams"]["clicks"] = {"ShardCount": 0}
    assert problems(document) == [
        "headrace.yaml: streams.clicks: ShardCount: ValidationException: 1 validation error "
        "detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have "
        "value greater than or equal to 1"
    ]


def test_stream_retention_below_a_day(problems: Problems) -> None:
    """Kinesis: retention is 24-8760 hours."""
    document = base_document()
    document["streams"]["clicks"] = {"RetentionPeriodHours": 12}
    assert problems(document) == [
        "headrace.yaml: streams.clicks: RetentionPeriodHours: ValidationException: 1 validation "
        "error detected: Value '12' at 'retentionPeriodHours' failed to satisfy constraint: "
        "Member must have value greater than or equal to 24"
    ]


def test_table_is_built(loaded: Loaded) -> None:
    """design: a table declares its key, attribute types and change stream."""
    document = with_table(**users(StreamSpecification={"StreamViewType": "KEYS_ONLY"}))
    assert loaded(document).tables["users"] == TableConfig(
        name="users",
        key_schema=(KeySchemaElement(attribute_name="id", key_type="HASH"),),
        attribute_definitions=(AttributeDefinition(attribute_name="id", attribute_type="S"),),
        stream_specification=StreamSpecification(stream_view_type="KEYS_ONLY"),
    )


def test_table_stream_shard_count_extension(loaded: Loaded) -> None:
    """design: StreamSpecification.ShardCount (headrace's extension) sets the stream's shards."""
    spec = {"StreamViewType": "NEW_IMAGE", "ShardCount": 3}
    table = loaded(with_table(**users(StreamSpecification=spec))).tables["users"]
    assert table.stream_specification == StreamSpecification(
        stream_view_type="NEW_IMAGE", shard_count=3
    )


def test_table_needs_a_key_schema(problems: Problems) -> None:
    """DynamoDB CreateTable: KeySchema is required."""
    document = with_table(AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    assert problems(document) == [
        "headrace.yaml: tables.users: KeySchema: ValidationException: 1 validation error "
        "detected: Value null at 'keySchema' failed to satisfy constraint: Member must not be "
        "null."
    ]


def test_first_key_must_be_hash(problems: Problems) -> None:
    """DynamoDB CreateTable: the first key schema element is the HASH key."""
    document = with_table(
        KeySchema=[{"AttributeName": "id", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )
    assert problems(document) == [
        "headrace.yaml: tables.users: KeySchema: ValidationException: Invalid KeySchema: The "
        "first KeySchemaElement is not a HASH key type"
    ]


def test_key_attribute_must_be_defined(problems: Problems) -> None:
    """DynamoDB CreateTable: every key attribute has an AttributeDefinition."""
    document = with_table(
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    )
    assert problems(document) == [
        "headrace.yaml: tables.users: KeySchema: ValidationException: One or more parameter "
        "values were invalid: Some index key attributes are not defined in AttributeDefinitions. "
        "Keys: [id], AttributeDefinitions: [pk]"
    ]


def test_attribute_type_enum(problems: Problems) -> None:
    """DynamoDB CreateTable: AttributeType is S, N or B."""
    document = with_table(
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "STRING"}],
    )
    assert problems(document) == [
        "headrace.yaml: tables.users: AttributeDefinitions[0].AttributeType: ValidationException: "
        "1 validation error detected: Value 'STRING' at "
        "'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member "
        "must satisfy enum value set: [S, N, B]"
    ]


def test_stream_view_type_enum(problems: Problems) -> None:
    """DynamoDB CreateTable: StreamViewType is one of four values."""
    document = with_table(**users(StreamSpecification={"StreamViewType": "ALL"}))
    assert problems(document) == [
        "headrace.yaml: tables.users: StreamSpecification.StreamViewType: ValidationException: "
        "1 validation error detected: Value 'ALL' at 'streamSpecification.streamViewType' "
        "failed to satisfy constraint: Member must satisfy enum value set: "
        "[NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]"
    ]


def test_table_name_too_short(problems: Problems) -> None:
    """DynamoDB CreateTable: table names are 3-255 characters of [a-zA-Z0-9_.-]."""
    document = base_document()
    document["tables"]["ab"] = users()
    assert problems(document) == [
        "headrace.yaml: tables.ab: ValidationException: 1 validation error detected: Value 'ab' "
        "at 'tableName' failed to satisfy constraint: Member must satisfy regular expression "
        "pattern: [a-zA-Z0-9_.-]{3,255}"
    ]


def test_unused_table_keys_are_accepted(loaded: Loaded) -> None:
    """design: CreateTable keys the embedded table does not use are accepted."""
    document = with_table(**users(BillingMode="PAY_PER_REQUEST"))
    assert loaded(document).tables["users"].stream_specification is None


def test_create_table_requests_are_checked_as_file_tables() -> None:
    """CreateTable's request passes the file's table checks: a good one gives the table's
    config (other CreateTable members accepted and unused); a bad one raises the first
    problem as DynamoDB's ValidationException with the file check's text."""
    from headrace.config.validate_streams import check_table_request
    from headrace.errors import ValidationException

    keys = {
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    }
    request = {"TableName": "orders", "BillingMode": "PAY_PER_REQUEST", "SSESpecification": {}}
    config = check_table_request("orders", {**request, **keys})
    assert (config.name, config.has_stream) == ("orders", False)
    with pytest.raises(ValidationException, match="not defined in AttributeDefinitions"):
        check_table_request(
            "orders",
            {**keys, "AttributeDefinitions": [{"AttributeName": "x", "AttributeType": "S"}]},
        )
    with pytest.raises(ValidationException, match="tableName"):
        check_table_request("x", keys)
