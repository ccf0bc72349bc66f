"""Event filtering against AWS's recorded cases: SQS, DynamoDB and Kinesis (§6, §1.6.14).

Recorded cases come from /work/shared/reference/aws-recordings (LocalStack's AWS-validated
snapshots); each parametrize id names the snapshot entry it reproduces.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from filter_helpers import (
    DDB,
    KINESIS,
    SQS,
    criteria,
    ddb_record,
    kinesis_record,
    sqs_record,
)

from headrace.errors import InvalidParameterValueException
from headrace.esm.filters import compile_filter_criteria

# --- Recorded: SQS (test_lambda_integration_sqs.snapshot.json) -------------------------------

SQS_RECORDED = [
    # entry id, pattern, body delivered, body not delivered
    (
        "single",
        {"body": {"my-key": ["my-value"]}},
        {"my-key": "my-value"},
        {"my-key": "other-value"},
    ),
    (
        "or",
        {"body": {"my-key": ["my-value-one", "my-value-two"]}},
        {"my-key": "my-value-two"},
        {"my-key": "other-value"},
    ),
    (
        "and",
        {"body": {"my-key-one": ["other-filter", "my-value-one"], "my-key-two": ["my-value-two"]}},
        {"my-key-one": "my-value-one", "my-key-two": "my-value-two"},
        {"my-key-one": "other-value-", "my-key-two": "my-value-two"},
    ),
    (
        "exists",
        {"body": {"my-key": [{"exists": True}]}},
        {"my-key": "any-value-one"},
        {"other-key": "any-value-two"},
    ),
    (
        "numeric-bigger",
        {"body": {"my-number": [{"numeric": [">", 100]}]}},
        {"my-number": 101},
        {"my-number": 100},
    ),
    (
        "numeric-smaller",
        {"body": {"my-number": [{"numeric": ["<", 100]}]}},
        {"my-number": 99},
        {"my-number": 100},
    ),
    (
        "numeric-range",
        {"body": {"my-number": [{"numeric": [">=", 100, "<", 200]}]}},
        {"my-number": 100},
        {"my-number": 200},
    ),
    (
        "prefix",
        {"body": {"my-key": [{"prefix": "yes"}]}},
        {"my-key": "yes-value"},
        {"my-key": "no-value"},
    ),
    (
        "valid-json-filter",
        {"body": {"my-key": ["my-value"]}},
        {"my-key": "my-value"},
        "plain-string",
    ),
    ("filter0", {"body": {"testItem": ["test24"]}}, {"testItem": "test24"}, {"testItem": "test45"}),
    (
        "filter2",
        {"body": {"testItem": ["test24", "test45"], "test2": ["go"]}},
        {"testItem": "test45", "test2": "go"},
        {"testItem": "test45"},
    ),
    (
        "filter4",
        {"body": {"test2": [{"numeric": [">", 100]}]}},
        {"test2": 105},
        "this is a test string",
    ),
    (
        "filter7",
        {"body": {"test2": [{"prefix": "us-1"}]}},
        {"test2": "us-1-48454"},
        {"test2": "eu-1-48454"},
    ),
]


def _body(item: Any) -> str:
    return item if isinstance(item, str) else json.dumps(item)


@pytest.mark.parametrize(
    ("entry", "pattern", "delivered", "_"), SQS_RECORDED, ids=[c[0] for c in SQS_RECORDED]
)
def test_recorded_sqs_filter_delivers_matching_message(
    entry: str, pattern: Any, delivered: Any, _: Any
) -> None:
    """§6.5: test_sqs_event_filter[<entry>] — the recorded invocation's message matches."""
    assert criteria(pattern).matches(sqs_record(_body(delivered)))


@pytest.mark.parametrize(
    ("entry", "pattern", "_", "dropped"), SQS_RECORDED, ids=[c[0] for c in SQS_RECORDED]
)
def test_recorded_sqs_filter_drops_other_message(
    entry: str, pattern: Any, _: Any, dropped: Any
) -> None:
    """§6.6: test_sqs_event_filter[<entry>] — the message that was never invoked does not match."""
    assert not criteria(pattern).matches(sqs_record(_body(dropped)))


INVALID_RECORDED = [
    ("sqs-None", "null"),
    ("sqs-simple string", "simple string"),
    ("sqs-invalid_filter2", '{"eventSource": "aws:sqs"}'),
    ("sqs-invalid_filter3", '{"eventSource": []}'),
    ("ddb-single-string", "single-string"),
    ('ddb-[{"eventName": ["INSERT"=123}]', '[{"eventName": ["INSERT"=123}]'),
]


@pytest.mark.parametrize(
    "pattern", [c[1] for c in INVALID_RECORDED], ids=[c[0] for c in INVALID_RECORDED]
)
def test_recorded_invalid_pattern_is_rejected(pattern: str) -> None:
    """§1.6.14: test_sqs/dynamodb_invalid_event_filter — AWS's exact message."""
    with pytest.raises(InvalidParameterValueException) as caught:
        compile_filter_criteria([pattern], SQS)
    assert caught.value.message == "Invalid filter pattern definition."


# --- Recorded: DynamoDB Streams (test_dynamodb_event_filter[...]) ----------------------------

_ITEM = {"id": {"S": "id_value_1"}}
DDB_RECORDED = [
    # entry id, pattern, record, delivered?
    ("insert_same_entry_twice", {"eventName": ["INSERT"]}, ddb_record("INSERT", _ITEM), True),
    ("insert_same_entry_twice", {"eventName": ["INSERT"]}, ddb_record("MODIFY", _ITEM), False),
    ("content_or_filter", {"eventName": ["INSERT", "MODIFY"]}, ddb_record("MODIFY", _ITEM), True),
    (
        "content_multiple_filters",
        {"eventName": ["INSERT"], "eventSource": ["aws:dynamodb"]},
        ddb_record("INSERT", _ITEM),
        True,
    ),
    (
        "content_multiple_filters",
        {"eventName": ["INSERT"], "eventSource": ["aws:dynamodb"]},
        ddb_record("MODIFY", _ITEM),
        False,
    ),
    (
        "content_filter_type",
        {"dynamodb": {"NewImage": {"presentKey": {"S": ["presentValue"]}}}},
        ddb_record("INSERT", {**_ITEM, "presentKey": {"S": "presentValue"}}),
        True,
    ),
    (
        "content_filter_type",
        {"dynamodb": {"NewImage": {"presentKey": {"S": ["presentValue"]}}}},
        ddb_record("INSERT", _ITEM),
        False,
    ),
    (
        "content_filter_type (type key omitted)",
        {"dynamodb": {"NewImage": {"presentKey": ["presentValue"]}}},
        ddb_record("INSERT", {**_ITEM, "presentKey": {"S": "presentValue"}}),
        False,
    ),
    (
        "exists_filter_type",
        {"dynamodb": {"NewImage": {"presentKey": {"S": [{"exists": True}]}}}},
        ddb_record("INSERT", {**_ITEM, "presentKey": {"S": "presentValue"}}),
        True,
    ),
    (
        "exists_filter_type",
        {"dynamodb": {"NewImage": {"presentKey": {"S": [{"exists": True}]}}}},
        ddb_record("INSERT", _ITEM),
        False,
    ),
    (
        "exists_false_filter",
        {"dynamodb": {"NewImage": {"presentKey": [{"exists": False}]}}},
        ddb_record("INSERT", _ITEM),
        True,
    ),
    (
        "exists_false_filter (object-valued key is not a leaf)",
        {"dynamodb": {"NewImage": {"presentKey": [{"exists": False}]}}},
        ddb_record("INSERT", {**_ITEM, "presentKey": {"S": "presentValue"}}),
        True,
    ),
    (
        "numeric_filter",
        {
            "dynamodb": {
                "NewImage": {
                    "numericFilter": {"N": [{"numeric": [">", 100]}, {"anything-but": "101"}]}
                }
            }
        },
        ddb_record("INSERT", {**_ITEM, "numericFilter": {"N": "42"}}),
        True,
    ),
    (
        "numeric_filter (N is a string: numeric never matches)",
        {
            "dynamodb": {
                "NewImage": {
                    "numericFilter": {"N": [{"numeric": [">", 100]}, {"anything-but": "101"}]}
                }
            }
        },
        ddb_record("INSERT", {**_ITEM, "numericFilter": {"N": "101"}}),
        False,
    ),
    (
        "prefix_filter",
        {"dynamodb": {"NewImage": {"prefix": {"S": [{"prefix": "us-1"}]}}}},
        ddb_record("INSERT", {**_ITEM, "prefix": {"S": "us-1-other-suffix"}}),
        True,
    ),
    (
        "prefix_filter",
        {"dynamodb": {"NewImage": {"prefix": {"S": [{"prefix": "us-1"}]}}}},
        ddb_record("MODIFY", {**_ITEM, "prefix": {"S": "other-suffix"}}),
        False,
    ),
    (
        "date_time_conversion",
        {"dynamodb": {"ApproximateCreationDateTime": [{"numeric": [">", 0]}]}},
        ddb_record("INSERT", _ITEM),
        True,
    ),
]


@pytest.mark.parametrize(
    ("entry", "pattern", "record", "delivered"), DDB_RECORDED, ids=[c[0] for c in DDB_RECORDED]
)
def test_recorded_dynamodb_filter(
    entry: str, pattern: Any, record: dict[str, Any], delivered: bool
) -> None:
    """§6.5: test_dynamodb_event_filter[<entry>] — delivered records match, the rest do not."""
    assert criteria(pattern, source=DDB).matches(record) is delivered


@pytest.mark.parametrize(("event_type", "delivered"), [("function_1", True), ("function_2", False)])
def test_recorded_kinesis_data_filter(event_type: str, delivered: bool) -> None:
    """§6.5: test_kinesis_event_filtering_json_pattern — data is base64-decoded JSON."""
    pattern = {"data": {"event_type": ["function_1"]}}
    record = kinesis_record(json.dumps({"event_type": event_type, "message": "foo"}).encode())
    assert criteria(pattern, source=KINESIS).matches(record) is delivered
