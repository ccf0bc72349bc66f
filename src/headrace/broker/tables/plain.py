"""Plain values ↔ DynamoDB JSON, like boto3's TypeSerializer / TypeDeserializer.

Plain to DynamoDB JSON (:func:`to_attribute_value`, :func:`item_from_plain`):

========================== =====================================================
``str``                    ``S``
``int``, ``float``,        ``N`` (its decimal text; NaN and infinities are refused)
``Decimal``
``bool``                   ``BOOL``
``None``                   ``NULL``
``bytes``                  ``B``
``list``, ``tuple``        ``L``
``dict`` (``str`` keys)    ``M``
``set``, ``frozenset``     ``SS``, ``NS`` or ``BS`` by member type (Python only: JSON
                           has no sets, so the CLI takes sets with ``--dynamodb-json``)
========================== =====================================================

DynamoDB JSON to plain (:func:`from_attribute_value`, :func:`item_to_plain`): ``N`` becomes
an ``int`` if it has no fraction, else a ``Decimal`` (exact, as boto3 gives it); sets
become Python sets. :func:`plain_json` writes an item as JSON text (numbers exact, binary as
base64 text, sets as sorted arrays).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import msgspec

from headrace.broker.tables.attribute_values import (
    AttributeValue,
    Item,
    check_level,
    normalize_value,
)
from headrace.errors import ValidationException

# Writes Decimal as a JSON number (not a string), so plain output keeps numbers exact.
_json_encoder = msgspec.json.Encoder(decimal_format="number")


def item_from_plain(item: Mapping[str, Any]) -> Item:
    """A plain mapping as a (normalised) DynamoDB JSON item."""
    if not isinstance(item, Mapping):
        raise ValidationException(
            f"an item must be a JSON object of attribute names to values, not {item!r}"
        )
    return {str(name): to_attribute_value(value) for name, value in item.items()}


def to_attribute_value(value: Any) -> AttributeValue:
    """One plain value as a (normalised) DynamoDB JSON attribute value (see module doc)."""
    return normalize_value(_raw(value))


def _raw(value: Any, level: int = 1) -> AttributeValue:
    check_level(level)  # before descending: a plain value may be nested thousands deep
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float, Decimal)):
        return {"N": _number_text(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (bytes, bytearray)):
        return {"B": bytes(value)}
    if isinstance(value, Mapping):
        return {"M": {str(name): _raw(member, level + 1) for name, member in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"L": [_raw(member, level + 1) for member in value]}
    if isinstance(value, (set, frozenset)):
        return _set(value)
    raise ValidationException(f"cannot store a {type(value).__name__} in a DynamoDB item")


def _number_text(value: int | float | Decimal) -> str:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise ValidationException("A value provided cannot be converted into a number")
    return str(value) if not isinstance(value, float) else repr(value)


def _set(members: set[Any] | frozenset[Any]) -> AttributeValue:
    if members and all(isinstance(m, str) for m in members):
        return {"SS": list(members)}
    numeric = (int, float, Decimal)
    if members and all(isinstance(m, numeric) and not isinstance(m, bool) for m in members):
        return {"NS": [_number_text(m) for m in members]}
    if members and all(isinstance(m, (bytes, bytearray)) for m in members):
        return {"BS": [bytes(m) for m in members]}
    raise ValidationException(
        "a set must be non-empty and hold only strings, only numbers or only bytes"
    )


def item_to_plain(item: Mapping[str, AttributeValue]) -> dict[str, Any]:
    """A DynamoDB JSON item as plain Python values (see module doc)."""
    return {name: from_attribute_value(value) for name, value in item.items()}


def from_attribute_value(value: AttributeValue) -> Any:
    """One DynamoDB JSON attribute value as a plain Python value."""
    ((kind, data),) = value.items()
    if kind == "S" or kind == "BOOL":
        return data
    if kind == "N":
        return _number(data)
    if kind == "B":
        return base64.b64decode(data)
    if kind == "NULL":
        return None
    if kind == "M":
        return item_to_plain(data)
    if kind == "L":
        return [from_attribute_value(member) for member in data]
    if kind == "SS":
        return set(data)
    if kind == "NS":
        return {_number(member) for member in data}
    return {base64.b64decode(member) for member in data}


def _number(text: str) -> int | Decimal:
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() and "." not in text else number


def plain_json(item: Mapping[str, AttributeValue]) -> str:
    """An item as plain JSON text: exact numbers, base64 binary, sets as sorted arrays."""
    return _json_encoder.encode(_jsonable(item_to_plain(item))).decode("utf-8")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {name: _jsonable(member) for name, member in value.items()}
    if isinstance(value, list):
        return [_jsonable(member) for member in value]
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return value
