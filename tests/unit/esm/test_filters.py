"""Event filtering: EventBridge patterns over SQS, Kinesis and DynamoDB records (§6, §1.6.14).

Operators, validation, per-source rules, FilterCriteria and properties; AWS's recorded cases
are in test_filters_recorded.py.
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
    kinesis_record,
    matches,
    sqs_record,
)
from hypothesis import given
from hypothesis import strategies as st

from headrace.errors import InvalidParameterValueException, ValidationException
from headrace.esm.filters import (
    INVALID_PATTERN_MESSAGE,
    compile_filter_criteria,
)

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
