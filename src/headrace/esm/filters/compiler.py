"""Pattern text → matcher tree, rejecting anything EventBridge syntax does not allow.

Every rejection raises ``InvalidParameterValueException("Invalid filter pattern
definition.")``, AWS's text for all of them (§1.6.14): unparsable JSON, a pattern that is not
an object (JSON ``null``, a plain string, an array), an empty object, a leaf that is not an
array (``{"eventSource": "aws:sqs"}``), an empty array, an unknown operator, an operator
object with more than one key, or an operand of the wrong type.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable, Hashable
from typing import Any

import msgspec

from headrace.errors import InvalidParameterValueException
from headrace.esm.filters import operators as op
from headrace.esm.filters.payload import PayloadRule
from headrace.esm.filters.tree import LeafMatcher, NestedField, Node, ObjectMatcher, PayloadField
from headrace.esm.filters.values import (
    NUMBER_TYPES,
    SCALAR_TYPES,
    decode,
    literal_key,
    number_value,
)

# AWS's message for every malformed pattern (recorded for SQS and DynamoDB, §1.6.14).
INVALID_PATTERN_MESSAGE = "Invalid filter pattern definition."


def invalid() -> InvalidParameterValueException:
    """The one error a malformed pattern gets."""
    return InvalidParameterValueException(INVALID_PATTERN_MESSAGE)


def compile_pattern(text: str, rule: PayloadRule | None) -> tuple[ObjectMatcher, bool]:
    """Compile one pattern; also say whether it looks at the source's payload key."""
    if type(text) is not str:
        raise invalid()
    try:
        document = decode(text)
    except msgspec.DecodeError:
        raise invalid() from None
    return _object(document, rule)


def _object(document: Any, rule: PayloadRule | None) -> tuple[ObjectMatcher, bool]:
    if type(document) is not dict or not document:
        raise invalid()
    fields: list[tuple[str, Node]] = []
    alternatives: tuple[ObjectMatcher, ...] = ()
    uses_payload = False
    for key, value in document.items():
        if key == "$or":
            if type(value) is not list or not value:
                raise invalid()
            compiled = [_object(alternative, rule) for alternative in value]
            alternatives = tuple(matcher for matcher, _ in compiled)
            uses_payload = uses_payload or any(uses for _, uses in compiled)
            continue
        node = _node(value)
        if rule is not None and key == rule.key:
            node = PayloadField(node, rule.mode_for(type(node) is NestedField))
            uses_payload = True
        fields.append((key, node))
    # Cheap checks first: leaves, then nested objects, then the payload (it may need parsing).
    fields.sort(key=lambda field: _COST[type(field[1])])
    return ObjectMatcher(tuple(fields), alternatives), uses_payload


# Evaluation order of a pattern object's fields, cheapest first.
_COST = {LeafMatcher: 0, NestedField: 1, PayloadField: 2}


def _node(value: Any) -> Node:
    if type(value) is dict:
        return NestedField(_object(value, None)[0])
    if type(value) is list:
        return _leaf(value)
    raise invalid()


def _leaf(values: list[Any]) -> LeafMatcher:
    if not values:
        raise invalid()
    literals: set[Hashable] = set()
    conditions: list[op.Condition] = []
    matches_absent = False
    for value in values:
        if type(value) in SCALAR_TYPES:
            literals.add(literal_key(value))
            continue
        name, argument = _operator(value)
        if name == "exists":
            if type(argument) is not bool:
                raise invalid()
            if argument:
                conditions.append(op.AnyValue())
            else:
                matches_absent = True
            continue
        build = _OPERATORS.get(name)
        if build is None:
            raise invalid()
        conditions.append(build(argument))
    return LeafMatcher(frozenset(literals), tuple(conditions), matches_absent)


def _operator(value: Any) -> tuple[str, Any]:
    """The single ``{"name": argument}`` pair of an operator object."""
    if type(value) is not dict or len(value) != 1:
        raise invalid()
    ((name, argument),) = value.items()
    return name, argument


def _string(argument: Any) -> str:
    if type(argument) is not str:
        raise invalid()
    return argument


def _strings(argument: Any) -> list[str]:
    """One string or a non-empty array of strings."""
    if type(argument) is list and argument:
        return [_string(item) for item in argument]
    return [_string(argument)]


def _number(argument: Any) -> int | float:
    if type(argument) not in NUMBER_TYPES:
        raise invalid()
    value = number_value(argument)
    if not math.isfinite(value):
        raise invalid()
    return value


def _ignore_case(argument: Any) -> str | None:
    """The folded text of ``{"equals-ignore-case": "..."}``, None for a plain string."""
    if type(argument) is str:
        return None
    name, text = _operator(argument)
    if name != "equals-ignore-case":
        raise invalid()
    return _string(text).casefold()


def _prefix(argument: Any) -> op.Condition:
    folded = _ignore_case(argument)
    return op.Prefix(argument) if folded is None else op.PrefixIgnoreCase(folded)


def _suffix(argument: Any) -> op.Condition:
    folded = _ignore_case(argument)
    return op.Suffix(argument) if folded is None else op.SuffixIgnoreCase(folded)


def _equals_ignore_case(argument: Any) -> op.Condition:
    folded = [text.casefold() for text in _strings(argument)]
    if len(folded) == 1:
        return op.EqualsIgnoreCase(folded[0])
    return op.AnyOf(tuple(op.EqualsIgnoreCase(text) for text in folded))


def _wildcard(argument: Any) -> op.Condition:
    globs = [op.Wildcard(_wildcard_segments(text)) for text in _strings(argument)]
    return globs[0] if len(globs) == 1 else op.AnyOf(tuple(globs))


def _wildcard_segments(text: str) -> tuple[str, ...]:
    """The literal runs around a pattern's stars: ``"dir/*.p\\*g"`` → ``("dir/", ".p*g")``.

    ``*`` matches any run; ``\\*`` and ``\\\\`` are a literal star and backslash; any other
    escape, and ``**``, are invalid.
    """
    segments: list[list[str]] = [[]]
    after_star = False
    index = 0
    while index < len(text):
        char = text[index]
        index += 1
        if char == "\\":
            char = text[index : index + 1]
            if char not in ("*", "\\"):
                raise invalid()
            index += 1
        elif char == "*":
            if after_star:
                raise invalid()
            segments.append([])
            after_star = True
            continue
        segments[-1].append(char)
        after_star = False
    return tuple("".join(chars) for chars in segments)


def _cidr(argument: Any) -> op.Condition:
    try:
        return op.Cidr(ipaddress.ip_network(_string(argument), strict=False))
    except ValueError:
        raise invalid() from None


# Lower and upper bound operators of ``numeric``, each with whether it is inclusive.
_LOWER = {">": False, ">=": True}
_UPPER = {"<": False, "<=": True}


def _numeric(argument: Any) -> op.Condition:
    """``["=", x]``, one bound, or one lower and one upper bound (in either order)."""
    if type(argument) is not list or len(argument) not in (2, 4):
        raise invalid()
    pairs = [(_string(argument[i]), _number(argument[i + 1])) for i in range(0, len(argument), 2)]
    if pairs[0][0] == "=" and len(pairs) == 1:
        return op.Numeric(pairs[0][1], True, pairs[0][1], True)
    lower = [(value, _LOWER[name]) for name, value in pairs if name in _LOWER]
    upper = [(value, _UPPER[name]) for name, value in pairs if name in _UPPER]
    if len(lower) > 1 or len(upper) > 1 or len(lower) + len(upper) != len(pairs):
        raise invalid()
    if lower and upper and lower[0][0] > upper[0][0]:
        raise invalid()
    return op.Numeric(
        lower[0][0] if lower else None,
        lower[0][1] if lower else False,
        upper[0][0] if upper else None,
        upper[0][1] if upper else False,
    )


def _anything_but(argument: Any) -> op.Condition:
    """A value, an array of strings or of numbers, or one string operator to negate."""
    if type(argument) is dict:
        name, inner = _operator(argument)
        build = _NEGATABLE.get(name)
        if build is None:
            raise invalid()
        return op.AnythingBut(build(inner))
    items = argument if type(argument) is list else [argument]
    if items and all(type(item) is str for item in items):
        return op.AnythingBut(op.OneOf(strings=frozenset(items)))
    if items and all(type(item) in NUMBER_TYPES for item in items):
        return op.AnythingBut(op.OneOf(numbers=frozenset(_number(item) for item in items)))
    raise invalid()


_NEGATABLE: dict[str, Callable[[Any], op.Condition]] = {
    "prefix": _prefix,
    "suffix": _suffix,
    "equals-ignore-case": _equals_ignore_case,
    "wildcard": _wildcard,
}

# Every operator but ``exists`` (handled by the leaf itself: it is about absence).
_OPERATORS: dict[str, Callable[[Any], op.Condition]] = {
    **_NEGATABLE,
    "anything-but": _anything_but,
    "numeric": _numeric,
    "cidr": _cidr,
}
