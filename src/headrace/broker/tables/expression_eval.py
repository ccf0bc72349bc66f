"""Evaluating parsed expressions against an item: conditions, and the values SET writes.

Conditions follow DynamoDB's rules:

- ``=`` and ``<>`` compare any two values (numbers by value, sets in any order, maps and
  lists member by member); values of different types are not equal;
- ``<``, ``<=``, ``>``, ``>=`` and ``BETWEEN`` hold only between two strings (compared by
  their UTF-8 bytes), two numbers or two binaries; otherwise they are false;
- a comparison with an absent attribute is false, except ``<>``, which is true;
- ``begins_with`` on strings or binaries; ``contains`` finds a substring of a string, a
  member of a set (of the matching scalar type) or an element of a list; ``size`` is the
  length of a string (characters) or binary (bytes), or the members of a set, map or list.

SET values are computed from the item before the update; reading an absent attribute is
"The provided expression refers to an attribute that does not exist in the item";
arithmetic on anything but numbers, or ``list_append`` of anything but lists, is "An operand
in the update expression has an incorrect data type".
"""

from __future__ import annotations

import base64
import decimal
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from headrace.broker.tables import document_paths
from headrace.broker.tables.attribute_values import AttributeValue, normalize_number, value_type
from headrace.broker.tables.expression_nodes import (
    And,
    Arithmetic,
    Between,
    Comparison,
    Condition,
    DocumentPath,
    Function,
    IfNotExists,
    In,
    ListAppend,
    Not,
    Operand,
    Or,
    Size,
    Value,
)
from headrace.errors import ValidationException

# Enough precision to add two 38-digit numbers of any magnitude DynamoDB allows exactly;
# the result is then checked against the 38-digit limit like any number.
ARITHMETIC = decimal.Context(prec=300)
WRONG_TYPE = "An operand in the update expression has an incorrect data type"
ABSENT = "The provided expression refers to an attribute that does not exist in the item"
ATTRIBUTE_TYPES = ("S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M")
# Types that <, <=, >, >= and BETWEEN order.
_ORDERED_TYPES = ("S", "N", "B")
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
Attributes = Mapping[str, AttributeValue]


def holds(condition: Condition, item: Attributes) -> bool:
    """Whether ``condition`` is true of ``item`` (an absent item: ``{}``)."""
    if isinstance(condition, And):
        return holds(condition.left, item) and holds(condition.right, item)
    if isinstance(condition, Or):
        return holds(condition.left, item) or holds(condition.right, item)
    if isinstance(condition, Not):
        return not holds(condition.condition, item)
    if isinstance(condition, Comparison):
        left, right = operand_value(condition.left, item), operand_value(condition.right, item)
        return compare(condition.operator, left, right)
    if isinstance(condition, Between):
        value = operand_value(condition.operand, item)
        return compare(">=", value, operand_value(condition.low, item)) and compare(
            "<=", value, operand_value(condition.high, item)
        )
    if isinstance(condition, In):
        value = operand_value(condition.operand, item)
        return any(compare("=", value, operand_value(c, item)) for c in condition.choices)
    return _function(condition, item)


def operand_value(operand: Operand, item: Attributes) -> AttributeValue | None:
    """A condition operand's value: a path's (None if absent), a value, or a size."""
    if isinstance(operand, DocumentPath):
        return document_paths.read(item, operand)
    if isinstance(operand, Value):
        return operand.value
    if isinstance(operand, Size):
        return _size(document_paths.read(item, operand.path))
    raise AssertionError(f"not a condition operand: {operand!r}")  # the parser refuses it


def compare(operator: str, left: AttributeValue | None, right: AttributeValue | None) -> bool:
    """``left operator right`` by the rules of the module docstring."""
    if left is None or right is None:
        return operator == "<>"
    if operator in ("=", "<>"):
        return (left == right) == (operator == "=")
    kind = value_type(left)
    if kind != value_type(right) or kind not in _ORDERED_TYPES:
        return False
    return _ORDER[operator](sortable(left), sortable(right))


def sortable(value: AttributeValue) -> Any:
    """A Python value ordered as DynamoDB orders S, N and B values."""
    ((kind, data),) = value.items()
    if kind == "S":
        return data.encode("utf-8")
    if kind == "N":
        return Decimal(data)
    return base64.b64decode(data)


def _function(function: Function, item: Attributes) -> bool:
    first, *rest = (operand_value(argument, item) for argument in function.arguments)
    if function.name == "attribute_exists":
        return first is not None
    if function.name == "attribute_not_exists":
        return first is None
    (second,) = rest
    if function.name == "attribute_type":
        return _has_type(first, second)
    if first is None or second is None:
        return False
    if function.name == "begins_with":
        kind = value_type(first)
        return kind == value_type(second) in ("S", "B") and sortable(first).startswith(
            sortable(second)
        )
    return _contains(first, second)


def _has_type(value: AttributeValue | None, wanted: AttributeValue | None) -> bool:
    name = None if wanted is None else wanted.get("S")
    if name not in ATTRIBUTE_TYPES:
        raise ValidationException(
            "Invalid ConditionExpression: Invalid attribute type name found; "
            f"type: {name}, valid types: {{ {','.join(ATTRIBUTE_TYPES)} }}"
        )
    return value is not None and value_type(value) == name


def _contains(container: AttributeValue, member: AttributeValue) -> bool:
    kind, member_kind = value_type(container), value_type(member)
    if kind == "S" and member_kind == "S":
        return str(member["S"]) in container["S"]
    if kind in ("SS", "NS", "BS") and kind == member_kind + "S":
        return member[member_kind] in container[kind]
    if kind == "L":
        return member in container["L"]
    return False


def _size(value: AttributeValue | None) -> AttributeValue | None:
    if value is None:
        return None
    ((kind, data),) = value.items()
    if kind in ("N", "BOOL", "NULL"):
        return None
    length = len(base64.b64decode(data)) if kind == "B" else len(data)
    return {"N": str(length)}


def set_value(operand: Operand, item: Attributes) -> AttributeValue:
    """The value an UpdateExpression SET writes, computed from the item before the update."""
    if isinstance(operand, Value):
        return operand.value
    if isinstance(operand, DocumentPath):
        found = document_paths.read(item, operand)
        if found is None:
            raise ValidationException(ABSENT)
        return found
    if isinstance(operand, IfNotExists):
        found = document_paths.read(item, operand.path)
        return set_value(operand.default, item) if found is None else found
    if isinstance(operand, ListAppend):
        first, second = set_value(operand.first, item), set_value(operand.second, item)
        if "L" not in first or "L" not in second:
            raise ValidationException(WRONG_TYPE)
        return {"L": [*first["L"], *second["L"]]}
    if isinstance(operand, Arithmetic):
        return _arithmetic(operand, item)
    raise AssertionError(f"not an update operand: {operand!r}")  # the parser refuses it


def _arithmetic(operand: Arithmetic, item: Attributes) -> AttributeValue:
    left, right = set_value(operand.left, item), set_value(operand.right, item)
    if "N" not in left or "N" not in right:
        raise ValidationException(WRONG_TYPE)
    apply = ARITHMETIC.add if operand.operator == "+" else ARITHMETIC.subtract
    return {"N": normalize_number(format(apply(Decimal(left["N"]), Decimal(right["N"])), "f"))}
