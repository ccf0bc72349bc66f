"""Event filtering: EventBridge patterns over SQS, Kinesis and DynamoDB records (§6, §1.6.14).

Recorded cases come from /work/shared/reference/aws-recordings (LocalStack's AWS-validated
snapshots); each parametrize id names the snapshot entry it reproduces.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headrace.config import SourceKind
from headrace.errors import InvalidParameterValueException, ValidationException
from headrace.esm.filters import (
    INVALID_PATTERN_MESSAGE,
    FilterCriteria,
    compile_filter_criteria,
)

SQS, KINESIS, DDB = SourceKind.SQS, SourceKind.KINESIS, SourceKind.DYNAMODB


def sqs_record(body: str, **extra: Any) -> dict[str, Any]:
    """An SQS record shaped as §3.1."""
    record: dict[str, Any] = {
        "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
        "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1545082649183"},
        "messageAttributes": {},
        "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:my-queue",
        "awsRegion": "us-east-2",
    }
    record.update(extra)
    return record


def kinesis_record(data: bytes, partition_key: str = "custom") -> dict[str, Any]:
    """A Kinesis record shaped as §3.2."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": partition_key,
            "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
            "data": base64.b64encode(data).decode("ascii"),
            "approximateArrivalTimestamp": 1545084650.987,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": "shardId-000000000000:49590338271490256608559692538361571095921575989136588898",
        "eventName": "aws:kinesis:record",
        "awsRegion": "us-east-2",
        "eventSourceARN": "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream",
    }


def ddb_record(event_name: str, new_image: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB Streams record shaped as recorded (§3.3)."""
    return {
        "eventID": "c81e728d9d4c2f636f067f89cc14862c",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1693997155.0,
            "Keys": {"id": new_image["id"]},
            "NewImage": new_image,
            "SequenceNumber": "111",
            "SizeBytes": 26,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:1:table/T/stream/2015-05-11T21:21:33.291",
    }


def criteria(*patterns: Any, source: SourceKind = SQS) -> FilterCriteria:
    texts = [p if isinstance(p, str) else json.dumps(p) for p in patterns]
    return compile_filter_criteria(texts, source)


def matches(pattern: Any, event: dict[str, Any]) -> bool:
    """Match ``pattern`` against a plain event, as a DynamoDB-style record (no payload)."""
    return criteria(pattern, source=DDB).matches(event)


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


# --- Operators (§6.3) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        ({"UserID": [None]}, {"UserID": None}, True),
        ({"UserID": [None]}, {}, False),
        ({"UserID": [None]}, {"UserID": "null"}, False),
        ({"LastName": [""]}, {"LastName": ""}, True),
        ({"LastName": [""]}, {"LastName": " "}, False),
        ({"Name": ["Alice"]}, {"Name": "Alice"}, True),
        ({"Name": ["Alice"]}, {"Name": "alice"}, False),
        ({"Name": [{"equals-ignore-case": "alice"}]}, {"Name": "ALICE"}, True),
        ({"Name": [{"equals-ignore-case": "alice"}]}, {"Name": "alicia"}, False),
        (
            {"Location": ["New York"], "Day": ["Monday"]},
            {"Location": "New York", "Day": "Monday"},
            True,
        ),
        (
            {"Location": ["New York"], "Day": ["Monday"]},
            {"Location": "New York", "Day": "Friday"},
            False,
        ),
        ({"PaymentType": ["Credit", "Debit"]}, {"PaymentType": "Debit"}, True),
        ({"PaymentType": ["Credit", "Debit"]}, {"PaymentType": "Cash"}, False),
        (
            {"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]},
            {"Location": "Boston", "Day": "Monday"},
            True,
        ),
        (
            {"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]},
            {"Location": "Boston", "Day": "Friday"},
            False,
        ),
        ({"a": {"$or": [{"b": ["1"]}, {"c": ["2"]}]}}, {"a": {"c": "2"}}, True),
        ({"Weather": [{"anything-but": ["Raining"]}]}, {"Weather": "Sunny"}, True),
        ({"Weather": [{"anything-but": ["Raining"]}]}, {"Weather": "Raining"}, False),
        ({"Weather": [{"anything-but": "Raining"}]}, {"Weather": "Raining"}, False),
        ({"Weather": [{"anything-but": ["Raining"]}]}, {}, False),
        ({"Price": [{"anything-but": [100, 200]}]}, {"Price": 100.0}, False),
        ({"Price": [{"anything-but": 100}]}, {"Price": 101}, True),
        ({"Price": [{"numeric": ["=", 100]}]}, {"Price": 100.0}, True),
        ({"Price": [{"numeric": ["=", 100]}]}, {"Price": "100"}, False),
        ({"Price": [{"numeric": [">", 10, "<=", 20]}]}, {"Price": 20}, True),
        ({"Price": [{"numeric": [">", 10, "<=", 20]}]}, {"Price": 10}, False),
        ({"Price": [{"numeric": ["<=", 20, ">", 10]}]}, {"Price": 15.5}, True),
        ({"Price": [{"numeric": [">=", 10]}]}, {"Price": 10}, True),
        ({"Price": [{"numeric": ["<", 10]}]}, {"Price": 10}, False),
        ({"Price": [{"numeric": [">", 0]}]}, {"Price": True}, False),
        ({"Price": [{"numeric": [">", 0]}]}, {"Price": 10**400}, True),
        ({"ProductName": [{"exists": True}]}, {"ProductName": "x"}, True),
        ({"ProductName": [{"exists": True}]}, {"ProductName": None}, True),
        ({"ProductName": [{"exists": True}]}, {}, False),
        ({"ProductName": [{"exists": True}]}, {"ProductName": {"a": 1}}, False),
        ({"ProductName": [{"exists": False}]}, {}, True),
        ({"ProductName": [{"exists": False}]}, {"ProductName": "x"}, False),
        ({"a": {"b": [{"exists": False}]}}, {}, True),
        ({"Region": [{"prefix": "us-"}]}, {"Region": "us-east-1"}, True),
        ({"Region": [{"prefix": "us-"}]}, {"Region": "eu-west-1"}, False),
        ({"FileName": [{"suffix": ".png"}]}, {"FileName": "a.png"}, True),
        ({"FileName": [{"suffix": ".png"}]}, {"FileName": "a.jpg"}, False),
        ({"n": [{"prefix": "1"}]}, {"n": 100}, False),
    ],
)
def test_operator(pattern: Any, event: dict[str, Any], expected: bool) -> None:
    """§6.3: each operator of Lambda's table, both ways."""
    assert matches(pattern, event) is expected


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        ({"f": [{"wildcard": "dir/*.png"}]}, {"f": "dir/a/b.png"}, True),
        ({"f": [{"wildcard": "dir/*.png"}]}, {"f": "dir/a.jpg"}, False),
        ({"f": [{"wildcard": "a\\*b"}]}, {"f": "a*b"}, True),
        ({"f": [{"wildcard": "a\\*b"}]}, {"f": "axxb"}, False),
        ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0.7"}, True),
        ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.1.7"}, False),
        ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "not-an-ip"}, False),
        ({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:db8::1"}, True),
        ({"s": [{"anything-but": {"prefix": "init"}}]}, {"s": "running"}, True),
        ({"s": [{"anything-but": {"prefix": "init"}}]}, {"s": "initializing"}, False),
        ({"s": [{"anything-but": {"suffix": ".tmp"}}]}, {"s": "a.tmp"}, False),
        ({"s": [{"anything-but": {"equals-ignore-case": ["A", "b"]}}]}, {"s": "B"}, False),
        ({"s": [{"anything-but": {"equals-ignore-case": ["A", "b"]}}]}, {"s": "c"}, True),
        ({"s": [{"anything-but": {"wildcard": "*.tmp"}}]}, {"s": "x.log"}, True),
        ({"s": [{"prefix": {"equals-ignore-case": "US-"}}]}, {"s": "us-east-1"}, True),
        ({"s": [{"suffix": {"equals-ignore-case": ".PNG"}}]}, {"s": "a.png"}, True),
    ],
)
def test_eventbridge_operator_beyond_lambda_table(
    pattern: Any, event: dict[str, Any], expected: bool
) -> None:
    """§6.3 UNCONFIRMED for Lambda: headrace supports EventBridge's wildcard, cidr and variants."""
    assert matches(pattern, event) is expected


@pytest.mark.parametrize(
    ("literal", "value", "expected"),
    [
        ("300", "300", True),
        ("300", "300.0", False),
        ("300.0", "3.0e2", False),
        ("3.0e2", "3.0e2", True),
    ],
)
def test_number_literal_matches_by_text(literal: str, value: str, expected: bool) -> None:
    """§6.4: 300, 300.0 and 3.0e2 are not equal as literals."""
    pattern = '{"body": {"n": [' + literal + "]}}"
    assert criteria(pattern).matches(sqs_record('{"n": ' + value + "}")) is expected


def test_number_literal_does_not_match_numeric_string() -> None:
    """§6.4: the literal 300 does not match the string "300"."""
    assert not matches({"n": [300]}, {"n": "300"})


def test_event_array_matches_if_any_element_matches() -> None:
    """§6.2: an array in the event matches when one of its values matches (EventBridge)."""
    assert matches({"tags": ["b"]}, {"tags": ["a", "b"]})


def test_event_array_of_objects_needs_one_element_matching_all_keys() -> None:
    """§6.2: keys of a nested pattern are ANDed within one array element."""
    pattern = {"items": {"k": ["x"], "v": ["1"]}}
    assert not matches(pattern, {"items": [{"k": "x", "v": "2"}, {"k": "y", "v": "1"}]})


def test_duplicate_key_in_pattern_last_one_wins() -> None:
    """§6.4: with a key twice in a pattern, the last one counts."""
    assert matches('{"a": ["1"], "a": ["2"]}', {"a": "2"})


# --- Validation (§1.6.14, §1.6.16, §6.1) ----------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        "{}",
        '{"a": {}}',
        "[]",
        '{"a": ["x", ["y"]]}',
        '{"a": [{"unknown-op": 1}]}',
        '{"a": [{"prefix": "x", "suffix": "y"}]}',
        '{"a": [{"prefix": 1}]}',
        '{"a": [{"prefix": {"anything-but": "x"}}]}',
        '{"a": [{"numeric": [">", "abc"]}]}',
        '{"a": [{"numeric": ["!", 1]}]}',
        '{"a": [{"numeric": [">", 1, ">", 2]}]}',
        '{"a": [{"numeric": ["=", 1, "<", 2]}]}',
        '{"a": [{"numeric": [">", 5, "<", 1]}]}',
        '{"a": [{"numeric": [">", true]}]}',
        '{"a": [{"numeric": [">", 1e400]}]}',
        '{"a": [{"numeric": [">"]}]}',
        '{"a": [{"exists": "yes"}]}',
        '{"a": [{"anything-but": []}]}',
        '{"a": [{"anything-but": ["x", 1]}]}',
        '{"a": [{"anything-but": true}]}',
        '{"a": [{"anything-but": {"numeric": [">", 1]}}]}',
        '{"a": [{"equals-ignore-case": 5}]}',
        '{"a": [{"cidr": "10.0.0.0/99"}]}',
        '{"a": [{"wildcard": "a**b"}]}',
        '{"a": [{"wildcard": "a\\\\nb"}]}',
        '{"$or": {"a": ["x"]}}',
        '{"$or": []}',
        '{"$or": [{"a": "x"}]}',
        '{"a": NaN}',
    ],
)
def test_malformed_pattern_is_rejected(pattern: str) -> None:
    """§1.6.14: every malformed pattern gets "Invalid filter pattern definition."."""
    with pytest.raises(InvalidParameterValueException, match=INVALID_PATTERN_MESSAGE):
        compile_filter_criteria([pattern], SQS)


def test_more_than_five_filters_are_rejected() -> None:
    """§1.6.16 UNCONFIRMED message: a sixth filter is over the default quota."""
    with pytest.raises(InvalidParameterValueException, match="more than the 5 allowed"):
        compile_filter_criteria(['{"a": ["x"]}'] * 6, SQS)


def test_raised_quota_allows_ten_filters() -> None:
    """§6.2: with the quota raised to 10, ten filters compile."""
    assert compile_filter_criteria(['{"a": ["x"]}'] * 10, SQS, max_filters=10)


def test_pattern_longer_than_4096_characters_is_a_validation_error() -> None:
    """§6.1: Pattern length is at most 4096, checked like AWS's model validation."""
    pattern = '{"a": ["' + "x" * 4090 + '"]}'
    with pytest.raises(ValidationException) as caught:
        compile_filter_criteria(['{"b": ["y"]}', pattern], SQS)
    assert caught.value.message == (
        f"1 validation error detected: Value '{pattern}' at "
        "'filterCriteria.filters.2.member.pattern' failed to satisfy constraint: "
        "Member must have length less than or equal to 4096"
    )


def test_pattern_of_exactly_4096_characters_is_accepted() -> None:
    """§6.1: 4096 characters is within the limit."""
    pattern = '{"a": ["' + "x" * 4085 + '"]}'
    assert len(pattern) == 4096
    assert compile_filter_criteria([pattern], SQS)


# --- Per source (§6.5) ----------------------------------------------------------------------


def test_sqs_plain_body_matches_value_pattern_on_body() -> None:
    """§6.5: a plain-string body is matched as a string by a value-array pattern."""
    assert criteria({"body": [{"prefix": "ERROR"}]}).matches(sqs_record("ERROR: disk full"))


def test_sqs_json_body_never_matches_value_pattern_on_body() -> None:
    """§6.5: a JSON body under a plain-string pattern is dropped."""
    assert not criteria({"body": [{"exists": True}]}).matches(sqs_record('{"a": 1}'))


def test_sqs_plain_body_never_matches_object_pattern_even_exists_false() -> None:
    """§6.5: a plain-string body under a JSON pattern is dropped."""
    pattern = {"body": {"a": [{"exists": False}]}}
    assert not criteria(pattern).matches(sqs_record("not json"))


def test_sqs_body_inside_top_level_or_is_parsed() -> None:
    """§6.3, §6.5: a body pattern inside a top-level $or still sees the parsed body."""
    pattern = {"$or": [{"body": {"a": ["1"]}}, {"messageId": ["other"]}]}
    assert criteria(pattern).matches(sqs_record('{"a": "1"}'))


def test_sqs_pattern_without_body_skips_format_check() -> None:
    """§6.5: a pattern on metadata alone matches whatever the body is."""
    pattern = {"attributes": {"ApproximateReceiveCount": ["1"]}}
    assert criteria(pattern).matches(sqs_record("not json"))


def test_sqs_message_attributes_are_filterable() -> None:
    """§6.5: SQS metadata such as messageAttributes can be filtered."""
    attrs = {"kind": {"stringValue": "order", "dataType": "String"}}
    pattern = {"messageAttributes": {"kind": {"stringValue": ["order"]}}}
    assert criteria(pattern).matches(sqs_record("x", messageAttributes=attrs))


def test_kinesis_non_json_data_is_dropped_by_data_pattern() -> None:
    """§6.5: Kinesis data that is not JSON never matches a data pattern."""
    record = kinesis_record(b"hello")
    assert not criteria({"data": [{"exists": False}]}, source=KINESIS).matches(record)


def test_kinesis_partition_key_is_filterable_under_its_record_path() -> None:
    """§6.5 CONFLICT, §11: headrace lets patterns name Kinesis metadata by its record path."""
    pattern = {"kinesis": {"partitionKey": ["p-1"]}}
    assert criteria(pattern, source=KINESIS).matches(kinesis_record(b"x", partition_key="p-1"))


def test_kinesis_data_and_metadata_are_anded() -> None:
    """§6.2: a data key and a metadata key in one pattern must both match."""
    pattern = {"data": {"a": [1]}, "eventName": ["other"]}
    assert not criteria(pattern, source=KINESIS).matches(kinesis_record(b'{"a": 1}'))


# --- FilterCriteria -------------------------------------------------------------------------


def test_no_patterns_match_everything_and_are_falsy() -> None:
    """§6.2: without filters every record is included; the engine can skip the work."""
    none = compile_filter_criteria([], SQS)
    assert (none.empty, bool(none), none.matches(sqs_record("x"))) == (True, False, True)


def test_patterns_are_ored() -> None:
    """§6.2: a record matching any one filter is included."""
    both = criteria({"body": {"a": ["1"]}}, {"body": {"a": ["2"]}})
    assert both.matches(sqs_record('{"a": "2"}'))


def test_to_aws_gives_the_filter_criteria_shape() -> None:
    """§6.1: FilterCriteria = {"Filters": [{"Pattern": "<JSON string>"}]}."""
    assert criteria('{"a": ["x"]}').to_aws() == {"Filters": [{"Pattern": '{"a": ["x"]}'}]}


# --- Properties -----------------------------------------------------------------------------

_json_leaf = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5)
)
_json = st.recursive(
    _json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abc"), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(st.text(max_size=8), st.text(max_size=8))
def test_anything_but_is_the_negation_of_equals_on_string_leaves(excluded: str, value: str) -> None:
    """§6.3: anything-but [x] ≡ not [x] on a present string leaf."""
    event = {"k": value}
    assert matches({"k": [{"anything-but": [excluded]}]}, event) is not matches(
        {"k": [excluded]}, event
    )


@given(st.dictionaries(st.sampled_from("abc"), _json, max_size=3))
def test_or_of_patterns_is_any_single_pattern(event: dict[str, Any]) -> None:
    """§6.2: several filters match exactly when one of them alone matches."""
    patterns = [{"a": [1, "x", None]}, {"b": [{"exists": False}]}, {"c": {"a": [{"prefix": ""}]}}]
    single = [criteria(p, source=DDB).matches(event) for p in patterns]
    assert criteria(*patterns, source=DDB).matches(event) is any(single)


@given(st.integers(-50, 50) | st.floats(-50, 50), st.integers(-20, 20), st.integers(-20, 20))
def test_numeric_range_agrees_with_python_comparison(value: float, low: int, high: int) -> None:
    """§6.3: numeric [">=", low, "<", high] compares values."""
    if low > high:
        low, high = high, low
    pattern = {"n": [{"numeric": [">=", low, "<", high]}]}
    assert matches(pattern, {"n": value}) is (low <= value < high)


@given(_json, _json)
def test_matching_never_raises_on_any_body(body: Any, other: Any) -> None:
    """§6.5: any body, JSON or not, is judged without error."""
    every = criteria({"body": {"a": [{"numeric": [">", 0]}, {"prefix": "x"}]}}, {"body": ["z"]})
    every.matches(sqs_record(json.dumps(body)))
    every.matches(sqs_record(str(other)))
