"""Evaluating conditions against items: comparisons, functions, absent attributes."""

from __future__ import annotations

from typing import Any

import pytest

from headrace.broker.tables.expression_eval import holds
from headrace.broker.tables.expressions import parse_expressions
from headrace.errors import ValidationException

ITEM: dict[str, Any] = {
    "id": {"S": "u1"},
    "nick": {"S": "Ann"},
    "age": {"N": "31"},
    "tags": {"SS": ["a", "b"]},
    "scores": {"NS": ["1", "2"]},
    "list": {"L": [{"S": "x"}, {"N": "2"}]},
    "map": {"M": {"inner": {"S": "deep"}, "n": {"N": "10"}}},
    "blob": {"B": "AAEC"},
    "flag": {"BOOL": True},
}


def check(condition: str, item: dict[str, Any] = ITEM, **values: Any) -> bool:
    """Whether ``condition`` (values as ``:name=...`` keywords) holds of ``item``."""
    parsed = parse_expressions(
        condition=condition, values={f":{k}": v for k, v in values.items()} or None
    )
    assert parsed.condition is not None
    return holds(parsed.condition, item)


def test_equality_is_by_type_and_value() -> None:
    """`=` needs the same type: numbers by value, strings exactly; S "31" is not N 31."""
    assert check("age = :v", v={"N": "31.0"})
    assert not check("age = :v", v={"S": "31"})
    assert check("tags = :v", v={"SS": ["b", "a"]})
    assert check("map.inner = :v", v={"S": "deep"})


def test_ordering_compares_numbers_strings_and_binary() -> None:
    """< <= > >= order numbers numerically and strings by UTF-8 bytes."""
    assert check("age > :v", v={"N": "9"})
    assert check("nick < :v", v={"S": "Bob"})
    assert check("nick < :v", v={"S": "a"})  # "A" (0x41) sorts before "a" (0x61)
    assert check("blob >= :v", v={"B": "AAE="})


def test_ordering_between_types_is_false() -> None:
    """A comparison of a number with a string is false both ways."""
    assert not check("age < :v", v={"S": "99"})
    assert not check("age >= :v", v={"S": "99"})


def test_absent_attribute_compares_false_except_not_equal() -> None:
    """An absent attribute makes = < BETWEEN false and <> true."""
    assert not check("missing = :v", v={"N": "1"})
    assert not check("missing < :v", v={"N": "1"})
    assert check("missing <> :v", v={"N": "1"})
    assert not check("missing BETWEEN :a AND :b", a={"N": "0"}, b={"N": "9"})


def test_between_and_in() -> None:
    """BETWEEN includes both ends; IN holds if any choice is equal."""
    assert check("age BETWEEN :a AND :b", a={"N": "31"}, b={"N": "40"})
    assert not check("age BETWEEN :a AND :b", a={"N": "32"}, b={"N": "40"})
    assert check("nick IN (:a, :b)", a={"S": "Bo"}, b={"S": "Ann"})


def test_existence_functions_reach_nested_paths() -> None:
    """attribute_exists and attribute_not_exists follow map members and list indexes."""
    assert check("attribute_exists(map.inner) AND attribute_exists(list[1])")
    assert check("attribute_not_exists(map.nope) AND attribute_not_exists(list[2])")
    assert check("attribute_not_exists(id)", item={})


def test_attribute_type() -> None:
    """attribute_type matches the data type name; an unknown name is refused."""
    assert check("attribute_type(tags, :t)", t={"S": "SS"})
    assert not check("attribute_type(age, :t)", t={"S": "S"})
    with pytest.raises(ValidationException, match="Invalid attribute type name found"):
        check("attribute_type(age, :t)", t={"S": "NUMBER"})


def test_begins_with_and_contains() -> None:
    """begins_with on strings; contains finds substrings, set members, list elements."""
    assert check("begins_with(nick, :p)", p={"S": "An"})
    assert not check("begins_with(age, :p)", p={"S": "3"})
    assert check("contains(nick, :s)", s={"S": "nn"})
    assert check("contains(tags, :s)", s={"S": "b"})
    assert check("contains(scores, :s)", s={"N": "2"})
    assert check("contains(list, :s)", s={"N": "2"})
    assert not check("contains(tags, :s)", s={"N": "1"})


def test_size() -> None:
    """size counts string characters, binary bytes and members of sets, lists and maps."""
    assert check("size(nick) = :n", n={"N": "3"})
    assert check("size(blob) = :n", n={"N": "3"})
    assert check("size(tags) = :n AND size(list) = :n AND size(map) = :n", n={"N": "2"})
    assert not check("size(age) >= :n", n={"N": "0"})  # a number has no size
