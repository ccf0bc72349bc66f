"""Plain values ↔ DynamoDB JSON (§3.3.5), as boto3's serializer and deserializer map them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from headrace.broker.tables import (
    from_attribute_value,
    item_from_plain,
    item_to_plain,
    plain_json,
    to_attribute_value,
)
from headrace.errors import ValidationException


@pytest.mark.parametrize(
    ("plain", "dynamodb"),
    [
        ("text", {"S": "text"}),
        (42, {"N": "42"}),
        (1.5, {"N": "1.5"}),
        (Decimal("2.50"), {"N": "2.5"}),
        (True, {"BOOL": True}),
        (None, {"NULL": True}),
        (b"\x01\x02", {"B": "AQI="}),
        ([1, "a"], {"L": [{"N": "1"}, {"S": "a"}]}),
        ({"k": {"n": 1}}, {"M": {"k": {"M": {"n": {"N": "1"}}}}}),
        ({"b", "a"}, {"SS": ["a", "b"]}),
        ({3, 1}, {"NS": ["1", "3"]}),
        (frozenset({b"x"}), {"BS": ["eA=="]}),
    ],
    ids=[
        "str",
        "int",
        "float",
        "decimal",
        "bool",
        "none",
        "bytes",
        "list",
        "map",
        "ss",
        "ns",
        "bs",
    ],
)
def test_plain_values_become_dynamodb_json(plain: Any, dynamodb: Any) -> None:
    """§3.3.5: each plain type maps to its DynamoDB type, normalised."""
    assert to_attribute_value(plain) == dynamodb


@pytest.mark.parametrize(
    ("dynamodb", "plain"),
    [
        ({"N": "42"}, 42),
        ({"N": "1.5"}, Decimal("1.5")),
        ({"B": "AQI="}, b"\x01\x02"),
        ({"NS": ["1", "2.5"]}, {1, Decimal("2.5")}),
        ({"L": [{"NULL": True}, {"BOOL": False}]}, [None, False]),
    ],
    ids=["int", "decimal", "bytes", "ns", "list"],
)
def test_dynamodb_json_becomes_plain_values(dynamodb: Any, plain: Any) -> None:
    """Numbers become int or exact Decimal, binary bytes, sets Python sets."""
    assert from_attribute_value(dynamodb) == plain


def test_an_item_round_trips() -> None:
    """plain → DynamoDB JSON → plain gives the same item."""
    item = {"id": "u1", "n": 7, "tags": {"x"}, "doc": {"a": [1, None]}}
    assert item_to_plain(item_from_plain(item)) == item


def test_plain_json_keeps_numbers_exact() -> None:
    """plain_json writes numbers as they are stored, without float rounding."""
    item = item_from_plain({"x": Decimal("0.1000000000000000000000000001"), "b": b"\x00"})
    assert plain_json(item) == '{"x":0.1000000000000000000000000001,"b":"AA=="}'


def test_plain_json_writes_sets_as_sorted_arrays() -> None:
    """JSON has no sets: they are written as sorted arrays."""
    assert plain_json({"t": {"SS": ["b", "a"]}}) == '{"t":["a","b"]}'


@pytest.mark.parametrize(
    "value",
    [float("nan"), set(), {1, "a"}, object()],
    ids=["nan", "empty-set", "mixed-set", "object"],
)
def test_values_without_a_dynamodb_type_are_refused(value: Any) -> None:
    """NaN, empty or mixed sets and other objects have no DynamoDB type."""
    with pytest.raises(ValidationException):
        to_attribute_value(value)
