"""Items, keys and values are checked against the key schema with DynamoDB's error texts."""

from __future__ import annotations

from typing import Any

import pytest
from tables_helpers import n, s, table_config

from headrace.broker.tables import TableBroker, normalize_item
from headrace.errors import ValidationException

INVALID = "One or more parameter values were invalid: "


def refused(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ValidationException) as caught:
        call(*args, **kwargs)
    return caught.value.message


def test_an_item_without_its_key_is_refused(tables: TableBroker) -> None:
    """PutItem of an item missing a key attribute: 'Missing the key id in the item'."""
    message = refused(tables.put_item, "users", {"name": s("Ann")})
    assert message == f"{INVALID}Missing the key id in the item"


def test_a_key_of_the_wrong_type_is_a_type_mismatch(tables: TableBroker) -> None:
    """PutItem with a key of another type: 'Type mismatch for key id expected: S actual: N'."""
    message = refused(tables.put_item, "users", {"id": n("1")})
    assert message == f"{INVALID}Type mismatch for key id expected: S actual: N"


def test_an_empty_string_key_is_refused(tables: TableBroker) -> None:
    """A key attribute cannot be an empty string."""
    message = refused(tables.put_item, "users", {"id": s("")})
    assert message == (
        "One or more parameter values are not valid. The AttributeValue for a key attribute "
        "cannot contain an empty string value. Key: id"
    )


def test_a_key_past_2048_bytes_is_refused(tables: TableBroker) -> None:
    """A partition key is at most 2048 bytes."""
    message = refused(tables.put_item, "users", {"id": s("x" * 2049)})
    assert "Size of hashkey has exceeded the maximum size limit of2048 bytes" in message


@pytest.mark.parametrize(
    "key",
    [{}, {"id": s("u1"), "extra": s("x")}, {"id": n("1")}, {"other": s("u1")}],
    ids=["empty", "extra-attribute", "wrong-type", "wrong-name"],
)
def test_a_key_that_is_not_the_schema_is_refused(tables: TableBroker, key: Any) -> None:
    """GetItem/DeleteItem/UpdateItem keys must be exactly the key attributes."""
    message = refused(tables.get_item, "users", key)
    assert message == "The provided key element does not match the schema"


def test_a_composite_key_needs_both_attributes(make_tables: Any) -> None:
    """With a sort key, a key of the partition key alone does not match the schema."""
    tables = make_tables({"users": table_config(sort_key=("at", "N"))})
    with pytest.raises(ValidationException, match="does not match the schema"):
        tables.delete_item("users", {"id": s("u1")})


def test_a_number_key_matches_by_value(make_tables: Any) -> None:
    """Number keys are normalised: 1.0 and 1 name one item."""
    tables = make_tables({"users": table_config(key_type="N")})
    tables.put_item("users", {"id": n("1.0"), "a": s("x")})
    assert tables.get_item("users", {"id": n("1")}) == {"id": n("1"), "a": s("x")}


def test_an_item_over_400_kb_is_refused(tables: TableBroker) -> None:
    """Items are at most 400 KB."""
    message = refused(tables.put_item, "users", {"id": s("u1"), "big": s("x" * 410_000)})
    assert message == "Item size has exceeded the maximum allowed size"


# -- attribute values (§3.3.5) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (n("1.50"), n("1.5")),
        (n("1E+2"), n("100")),
        (n("-0"), n("0")),
        (n("007"), n("7")),
        (
            n("1.0000000000000000000000000000000000001"),
            n("1.0000000000000000000000000000000000001"),
        ),
        ({"B": b"\x00\xff"}, {"B": "AP8="}),
        ({"NS": ["10", "9", "1.0"]}, {"NS": ["1", "9", "10"]}),
        ({"SS": ["b", "a"]}, {"SS": ["a", "b"]}),
        (
            {"M": {"k": {"L": [n("1.0"), {"NULL": True}]}}},
            {"M": {"k": {"L": [n("1"), {"NULL": True}]}}},
        ),
    ],
    ids=[
        "trailing-zero",
        "exponent",
        "minus-zero",
        "leading-zero",
        "38-digits",
        "bytes",
        "ns",
        "ss",
        "nested",
    ],
)
def test_values_are_stored_normalised(value: Any, expected: Any) -> None:
    """§3.3.5: numbers as DynamoDB returns them, binary as base64, sets sorted."""
    assert normalize_item({"v": value}) == {"v": expected}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {},
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
        ),
        ({"S": "a", "N": "1"}, "Supplied AttributeValue has more than one datatypes set"),
        ({"X": "a"}, "Supplied AttributeValue is empty"),
        ({"N": "abc"}, "A value provided cannot be converted into a number"),
        ({"N": "NaN"}, "A value provided cannot be converted into a number"),
        ({"N": "1" * 39}, "Attempting to store more than 38 significant digits in a Number"),
        ({"N": "1E+126"}, "Number overflow"),
        ({"N": "1E-131"}, "Number underflow"),
        ({"NULL": False}, "Null attribute value types must have the value of true"),
        ({"SS": []}, "An string set  may not be empty"),
        ({"NS": []}, "An number set  may not be empty"),
        ({"SS": ["a", "a"]}, "Input collection [a, a] contains duplicates."),
        ({"NS": ["1", "1.0"]}, "Input collection [1, 1.0] contains duplicates."),
        ({"B": "not base64!"}, "Invalid base64"),
    ],
    ids=[
        "empty",
        "two-types",
        "unknown-type",
        "not-a-number",
        "nan",
        "39-digits",
        "overflow",
        "underflow",
        "null-false",
        "empty-ss",
        "empty-ns",
        "duplicate-ss",
        "duplicate-ns",
        "bad-base64",
    ],
)
def test_invalid_values_are_refused(value: Any, message: str) -> None:
    """§3.3.5: malformed attribute values are ValidationExceptions with DynamoDB's texts."""
    with pytest.raises(ValidationException) as caught:
        normalize_item({"v": value})
    assert message in caught.value.message


def test_an_empty_attribute_name_is_refused(tables: TableBroker) -> None:
    """Attribute names cannot be empty."""
    with pytest.raises(ValidationException, match="empty attribute name"):
        tables.put_item("users", {"id": s("u1"), "": s("x")})
