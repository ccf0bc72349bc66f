"""Attribute values in DynamoDB JSON: checked, and normalised the way DynamoDB stores them.

An attribute value is a one-key mapping, ``{"S": "text"}``, ``{"N": "42"}``, ``{"B": <base64>}``,
``{"BOOL": true}``, ``{"NULL": true}``, ``{"M": {...}}``, ``{"L": [...]}`` or a set
``{"SS"|"NS"|"BS": [...]}`` (§3.3.5). :func:`normalize_item` checks a whole item and returns
the form that is stored and put in stream images:

- numbers as DynamoDB returns them: no exponent, no leading or trailing zeros (``"1.50"`` is
  ``"1.5"``, ``"1E+2"`` is ``"100"``, ``"-0"`` is ``"0"``); at most 38 significant digits;
- binary as base64 text (``bytes`` are accepted from Python too);
- sets sorted (DynamoDB keeps no order), so two equal items compare equal.

Every failure is a ValidationException with DynamoDB's text, including values nested past
DynamoDB's 32 levels (checked level by level, so no input can exhaust Python's recursion).
"""

from __future__ import annotations

import base64
import binascii
import decimal
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from headrace.errors import ValidationException

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]

# The data type keys DynamoDB accepts, in its documentation's order.
SCALAR_TYPES = ("S", "N", "B", "BOOL", "NULL")
SET_TYPES = ("SS", "NS", "BS")
DOCUMENT_TYPES = ("M", "L")
# DynamoDB numbers carry at most 38 significant digits ...
MAX_NUMBER_DIGITS = 38
# ... and a magnitude below 10**126 (largest 9.99...E+125) and at least 10**-130.
MAX_NUMBER_EXPONENT = 126
MIN_NUMBER_EXPONENT = -130
# Normalising a number of at most 38 digits in this context never rounds it (the default
# context keeps only 28 digits).
_EXACT = decimal.Context(prec=MAX_NUMBER_DIGITS)
# The number syntax DynamoDB accepts (Decimal alone would also take "NaN" or "1_000").
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# DynamoDB names sets in its messages by these words ("An string set  may not be empty").
_SET_WORDS = {"SS": "string", "NS": "number", "BS": "binary"}
# DynamoDB's limit on nested attribute levels: a top-level value is level 1, a scalar inside
# 31 maps or lists is level 32, the deepest allowed (recorded on AWS: 31 wraps pass, 32 fail).
MAX_NESTING_LEVELS = 32
TOO_DEEP = (
    "Nesting Levels have exceeded supported limits: "
    "Attributes in the item have nested levels beyond supported limit"
)

_INVALID = "One or more parameter values were invalid: "
_EMPTY = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
_SEVERAL = (
    "Supplied AttributeValue has more than one datatypes set, "
    "must contain exactly one of the supported datatypes"
)


def normalize_item(item: Mapping[str, Any]) -> Item:
    """Check every attribute of ``item`` and return it normalised, in the given order."""
    if not isinstance(item, Mapping):
        raise ValidationException(f"{_INVALID}an item must be a map of attribute names to values")
    return {_name(name): normalize_value(value) for name, value in item.items()}


def check_level(level: int) -> None:
    """Refuse a value at nesting ``level`` (1: a top-level attribute) past DynamoDB's limit."""
    if level > MAX_NESTING_LEVELS:
        raise ValidationException(TOO_DEEP)


def normalize_value(value: Any, level: int = 1) -> AttributeValue:
    """Check one attribute value and return its stored form (see the module docstring).

    ``level`` is how deep the value sits: 1 for a top-level attribute, one more inside each
    map or list.
    """
    check_level(level)
    if not isinstance(value, Mapping) or not value:
        raise ValidationException(_EMPTY)
    known = [key for key in value if key in SCALAR_TYPES + SET_TYPES + DOCUMENT_TYPES]
    if not known:
        raise ValidationException(_EMPTY)
    if len(value) > 1:
        raise ValidationException(_SEVERAL)
    (kind,) = known
    return {kind: _normalize(kind, value[kind], level)}


def _normalize(kind: str, data: Any, level: int) -> Any:
    if kind == "S":
        return _string(data)
    if kind == "N":
        return normalize_number(data)
    if kind == "B":
        return encode_binary(data)
    if kind == "BOOL":
        return _boolean(data)
    if kind == "NULL":
        if data is not True:
            raise ValidationException(
                f"{_INVALID}Null attribute value types must have the value of true"
            )
        return True
    if kind == "M":
        if not isinstance(data, Mapping):
            raise ValidationException(f"{_INVALID}a map (M) value must be an object")
        return {_name(name): normalize_value(member, level + 1) for name, member in data.items()}
    if kind == "L":
        if isinstance(data, (str, bytes, Mapping)) or not isinstance(data, Iterable):
            raise ValidationException(f"{_INVALID}a list (L) value must be an array")
        return [normalize_value(member, level + 1) for member in data]
    return _set(kind, data)


def _set(kind: str, data: Any) -> list[str]:
    if isinstance(data, (str, bytes, Mapping)) or not isinstance(data, Iterable):
        raise ValidationException(f"{_INVALID}a set ({kind}) value must be an array")
    element = {"SS": _string, "NS": normalize_number, "BS": encode_binary}[kind]
    members = [element(member) for member in data]
    if not members:
        raise ValidationException(f"{_INVALID}An {_SET_WORDS[kind]} set  may not be empty")
    if len(set(members)) != len(members):
        shown = ", ".join(str(member) for member in data)
        raise ValidationException(f"{_INVALID}Input collection [{shown}] contains duplicates.")
    return sorted(members, key=Decimal if kind == "NS" else None)


def _name(name: Any) -> str:
    if not isinstance(name, str):
        raise ValidationException(f"{_INVALID}attribute names must be strings, not {name!r}")
    if not name:
        raise ValidationException(
            f"{_INVALID}An AttributeValue may not contain an empty attribute name"
        )
    return name


def _string(data: Any) -> str:
    if not isinstance(data, str):
        raise ValidationException(f"{_INVALID}a string (S) value must be text, not {data!r}")
    return data


def _boolean(data: Any) -> bool:
    if not isinstance(data, bool):
        raise ValidationException(f"{_INVALID}a BOOL value must be true or false, not {data!r}")
    return data


def normalize_number(data: Any) -> str:
    """A number's text as DynamoDB returns it; ValidationException if it is not one."""
    if not isinstance(data, str) or not _NUMBER.fullmatch(data):
        raise ValidationException("A value provided cannot be converted into a number")
    number = Decimal(data)
    if number.is_zero():
        return "0"
    if significant_digits(number) > MAX_NUMBER_DIGITS:
        raise ValidationException("Attempting to store more than 38 significant digits in a Number")
    magnitude = number.adjusted()
    if magnitude >= MAX_NUMBER_EXPONENT:
        raise ValidationException(
            "Number overflow. Attempting to store a number with magnitude larger than "
            "supported range"
        )
    if magnitude < MIN_NUMBER_EXPONENT:
        raise ValidationException(
            "Number underflow. Attempting to store a number with magnitude smaller than "
            "supported range"
        )
    return format(number.normalize(_EXACT), "f")


def significant_digits(number: Decimal) -> int:
    """How many digits a number has without leading and trailing zeros (0 has none)."""
    digits = "".join(map(str, number.as_tuple().digits)).strip("0")
    return len(digits)


def encode_binary(data: Any) -> str:
    """Binary data as stored: base64 text. Takes ``bytes`` or base64 text."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(data)).decode("ascii")
    if isinstance(data, str):
        try:
            return base64.b64encode(base64.b64decode(data, validate=True)).decode("ascii")
        except (binascii.Error, ValueError):
            raise ValidationException(f"{_INVALID}Invalid base64 in a binary value") from None
    raise ValidationException(f"{_INVALID}a binary value must be bytes or base64 text")


def value_type(value: AttributeValue) -> str:
    """The data type key of a (normalised) attribute value: ``"S"``, ``"NS"``, ``"M"`` ..."""
    (kind,) = value
    return kind
