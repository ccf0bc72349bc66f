"""ExpressionAttributeNames and ExpressionAttributeValues: checked, resolved, all used.

DynamoDB's texts:

- ``ExpressionAttributeNames must not be empty`` / ``ExpressionAttributeValues must not be
  empty``; a key that is not ``#name`` / ``:name``: ``ExpressionAttributeNames contains
  invalid key: Syntax error; key: "x"``;
- a placeholder used but not given: ``Invalid UpdateExpression: An expression attribute name
  used in the document path is not defined; attribute name: #x`` (values: ``An expression
  attribute value used in expression is not defined; attribute value: :x``), raised once the
  expression has parsed (a syntax error is reported first);
- one given but used by none of the request's expressions: ``Value provided in
  ExpressionAttributeValues unused in expressions: keys: {:x}``;
- a reserved word as a bare attribute name: ``Attribute name is a reserved keyword; reserved
  keyword: status``. Only a short list of DynamoDB's 573 reserved words is refused here
  (:data:`RESERVED_WORDS`); the others are accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from headrace.broker.tables.attribute_values import AttributeValue, normalize_value, value_type
from headrace.broker.tables.expression_nodes import Value
from headrace.errors import ValidationException

# A subset of DynamoDB's reserved words: the keywords of the expression grammar and the
# words most often met as attribute names. (DynamoDB reserves 573; see docs/tables.md.)
RESERVED_WORDS = frozenset(
    """ADD ALL AND ATTRIBUTE BETWEEN BY CASE COMMENT COUNT DATA DATE DAY DELETE DESC DOMAIN
    FROM GROUP HASH HOUR IN INDEX KEY KEYS LEVEL LIMIT LOCATION MINUTE MONTH NAME NOT NULL
    NUMBER OR ORDER OWNER PERCENT RANGE REMOVE ROLE SECOND SELECT SET SIZE SOURCE STATE
    STATUS STRING TABLE TIME TIMESTAMP TOKEN TTL TYPE USER USERS VALUE VALUES YEAR ZONE""".split()  # noqa: SIM905 (a word list reads best as words)
)
# DynamoDB's operand type names in "Incorrect operand type" messages.
OPERAND_NAMES = {
    "S": "STRING",
    "N": "NUMBER",
    "B": "BINARY",
    "BOOL": "BOOLEAN",
    "NULL": "NULL",
    "M": "MAP",
    "L": "LIST",
    "SS": "STRING SET",
    "NS": "NUMBER SET",
    "BS": "BINARY SET",
}
# What ADD and DELETE accept as their value.
_OPERAND_TYPES = {"ADD": ("N", "SS", "NS", "BS"), "DELETE": ("SS", "NS", "BS")}
_NAME_KEY = re.compile(r"#[A-Za-z0-9_]+")
_VALUE_KEY = re.compile(r":[A-Za-z0-9_]+")


class Placeholders:
    """One request's names and values, and which of them its expressions used."""

    def __init__(self, names: Mapping[str, Any] | None, values: Mapping[str, Any] | None) -> None:
        self.names = _checked_names(names)
        self.values = _checked_values(values)
        self.used: set[str] = set()

    def for_expression(self, what: str) -> ExpressionPlaceholders:
        return ExpressionPlaceholders(self, what)

    def check_all_used(self) -> None:
        for given, word in ((self.names, "Names"), (self.values, "Values")):
            unused = sorted(set(given) - self.used)
            if unused:
                raise ValidationException(
                    f"Value provided in ExpressionAttribute{word} unused in expressions: "
                    f"keys: {{{', '.join(unused)}}}"
                )


class ExpressionPlaceholders:
    """The placeholders as one expression sees them: errors name the expression."""

    def __init__(self, request: Placeholders, what: str) -> None:
        self.request = request
        self.what = what
        self.missing: str | None = None

    def name(self, placeholder: str) -> str:
        self.request.used.add(placeholder)
        found = self.request.names.get(placeholder)
        if found is None:
            self._missing(
                "An expression attribute name used in the document path is not defined; "
                f"attribute name: {placeholder}"
            )
            return placeholder
        return found

    def value(self, placeholder: str) -> Value:
        self.request.used.add(placeholder)
        found = self.request.values.get(placeholder)
        if found is None:
            self._missing(
                "An expression attribute value used in expression is not defined; "
                f"attribute value: {placeholder}"
            )
            return Value({"NULL": True})
        return Value(found)

    def _missing(self, message: str) -> None:
        self.missing = self.missing or message

    def raise_missing(self) -> None:
        if self.missing is not None:
            raise ValidationException(f"Invalid {self.what}: {self.missing}")

    def check_not_reserved(self, name: str) -> None:
        if name.upper() in RESERVED_WORDS:
            raise ValidationException(
                f"Invalid {self.what}: Attribute name is a reserved keyword; "
                f"reserved keyword: {name}"
            )

    def check_operand_type(self, clause: str, value: Value) -> None:
        """ADD takes a number or a set, DELETE a set (checked when the value is known)."""
        kind = value_type(value.value)
        if self.missing is None and kind not in _OPERAND_TYPES[clause]:
            raise ValidationException(
                f"Invalid {self.what}: Incorrect operand type for operator or function; "
                f"operator: {clause}, operand type: {OPERAND_NAMES[kind]}"
            )


def _checked_names(names: Mapping[str, Any] | None) -> dict[str, str]:
    if names is None:
        return {}
    if not names:
        raise ValidationException("ExpressionAttributeNames must not be empty")
    for key, name in names.items():
        if not isinstance(key, str) or not _NAME_KEY.fullmatch(key):
            raise ValidationException(
                f'ExpressionAttributeNames contains invalid key: Syntax error; key: "{key}"'
            )
        if not isinstance(name, str) or not name:
            raise ValidationException(
                "ExpressionAttributeNames contains invalid value: Empty attribute name "
                f"for key {key}"
            )
    return dict(names)


def _checked_values(values: Mapping[str, Any] | None) -> dict[str, AttributeValue]:
    if values is None:
        return {}
    if not values:
        raise ValidationException("ExpressionAttributeValues must not be empty")
    checked = {}
    for key, value in values.items():
        if not isinstance(key, str) or not _VALUE_KEY.fullmatch(key):
            raise ValidationException(
                f'ExpressionAttributeValues contains invalid key: Syntax error; key: "{key}"'
            )
        try:
            checked[key] = normalize_value(value)
        except ValidationException as error:
            raise ValidationException(
                f"ExpressionAttributeValues contains invalid value: {error.message} for key {key}"
            ) from None
    return checked
