"""FilterCriteria in a mapping: shape, quota, each pattern compiled for its source (§6, §1.6.14)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from config_docs import (
    Loaded,
    Problems,
    queue_arn,
    recorded,
    recorded_code,
    stream_arn,
    table_stream_arn,
    with_mapping,
)

AT = "headrace.yaml: event_source_mappings[0] (f)"
SQS_INVALID = (
    "test_lambda_integration_sqs::test_sqs_invalid_event_filter[{}]"
    "::create_event_source_mapping_exception"
)


def filters(*patterns: Any) -> dict[str, Any]:
    return {"Filters": [{"Pattern": p} for p in patterns]}


@pytest.mark.parametrize(
    ("case", "pattern"),
    [
        ("None", "null"),
        ("simple string", '"simple string"'),
        ("invalid_filter2", json.dumps({"eventSource": "aws:sqs"})),
        ("invalid_filter3", json.dumps({"eventSource": []})),
    ],
)
def test_invalid_sqs_pattern(problems: Problems, case: str, pattern: str) -> None:
    """§1.6.14: a malformed pattern is an invalid filter pattern definition (recorded on SQS)."""
    key = SQS_INVALID.format(case)
    document = with_mapping(EventSourceArn=queue_arn("orders"), FilterCriteria=filters(pattern))
    assert problems(document) == [
        f"{AT}: FilterCriteria.Filters[0].Pattern: {recorded_code(key)}: {recorded(key)}"
    ]


def test_invalid_pattern_on_a_dynamodb_stream(problems: Problems) -> None:
    """§1.6.14: unparsable JSON is invalid on DynamoDB Streams too (recorded)."""
    key = (
        "test_lambda_integration_dynamodbstreams::test_dynamodb_invalid_event_filter"
        '[[{"eventName": ["INSERT"=123}]]::exception_event_source_creation'
    )
    document = with_mapping(
        EventSourceArn=table_stream_arn("users"),
        StartingPosition="LATEST",
        FilterCriteria=filters('{"eventName": ["INSERT"=123}'),
    )
    assert problems(document) == [
        f"{AT}: FilterCriteria.Filters[0].Pattern: {recorded_code(key)}: {recorded(key)}"
    ]


def test_the_bad_pattern_among_several_is_named(problems: Problems) -> None:
    """§1.6.14: each pattern is checked, and the location names the one at fault."""
    document = with_mapping(
        EventSourceArn=queue_arn("orders"),
        FilterCriteria=filters('{"body": {"a": [1]}}', "null"),
    )
    assert problems(document) == [
        f"{AT}: FilterCriteria.Filters[1].Pattern: InvalidParameterValueException: "
        "Invalid filter pattern definition."
    ]


def test_valid_patterns_are_kept_in_order(loaded: Loaded) -> None:
    """§6.1: the Pattern strings reach the mapping as given."""
    patterns = ('{"body": {"a": [1]}}', '{"eventSource": ["aws:sqs"]}')
    config = loaded(
        with_mapping(EventSourceArn=queue_arn("orders"), FilterCriteria=filters(*patterns))
    )
    assert config.event_source_mappings[0].filter_criteria == patterns


def test_pattern_written_as_yaml_is_json_encoded(loaded: Loaded) -> None:
    """§6.1 (headrace convenience): a Pattern written as a YAML mapping is taken as its JSON."""
    pattern = {"data": {"kind": ["click"]}}
    document = with_mapping(
        EventSourceArn=stream_arn("clicks"),
        StartingPosition="LATEST",
        FilterCriteria=filters(pattern),
    )
    assert loaded(document).event_source_mappings[0].filter_criteria == (json.dumps(pattern),)


def test_more_filters_than_the_quota(problems: Problems) -> None:
    """§6.2 / §1.6.16 (message UNCONFIRMED, chosen): at most 5 filters per mapping."""
    patterns = [json.dumps({"body": {"n": [i]}}) for i in range(6)]
    document = with_mapping(EventSourceArn=queue_arn("orders"), FilterCriteria=filters(*patterns))
    assert problems(document) == [
        f"{AT}: FilterCriteria.Filters: InvalidParameterValueException: 6 filters given; "
        "the quota is 5 filters per event source mapping."
    ]


def test_pattern_longer_than_4096(problems: Problems) -> None:
    """§6.1: a Pattern is at most 4096 characters."""
    pattern = json.dumps({"body": {"a": ["x" * 4100]}})
    document = with_mapping(EventSourceArn=queue_arn("orders"), FilterCriteria=filters(pattern))
    assert problems(document) == [
        f"{AT}: FilterCriteria.Filters[0].Pattern: ValidationException: 1 validation error "
        f"detected: Value '{pattern[:40]}...' at 'filterCriteria.filters.1.member.pattern' "
        "failed to satisfy constraint: Member must have length less than or equal to 4096"
    ]


def test_filter_without_a_pattern(problems: Problems) -> None:
    """§6.1: each filter has a Pattern."""
    document = with_mapping(EventSourceArn=queue_arn("orders"), FilterCriteria={"Filters": [{}]})
    assert problems(document) == [
        f"{AT}: FilterCriteria.Filters[0].Pattern: InvalidParameterValueException: 1 validation "
        "error detected: Value null at 'filterCriteria.filters.1.member.pattern' failed to satisfy "
        "constraint: Member must not be null."
    ]
