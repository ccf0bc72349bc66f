"""UpdateItem's actions on top-level attributes: SET, REMOVE, ADD and DELETE.

:class:`Update` is the Python form of an UpdateExpression such as
``SET a = :a, b = :b REMOVE c ADD n :inc DELETE tags :old`` with its values filled in:

- ``set``: attributes to put, replacing any value they had;
- ``remove``: attributes to take away (absent ones are ignored);
- ``add``: a number is added to the attribute's number (absent: 0); a set is merged into
  the attribute's set of the same type (absent: the empty set);
- ``delete``: a set's members are taken out of the attribute's set; a set left empty goes.

Errors are DynamoDB's: an attribute named twice ("Two document paths overlap"), a key
attribute ("Cannot update attribute id. This attribute is part of the key"), ADD or DELETE
of the wrong type ("Incorrect operand type" / "An operand in the update expression has an
incorrect data type").
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from headrace.broker.tables.attribute_values import (
    SET_TYPES,
    AttributeValue,
    Item,
    normalize_number,
    normalize_value,
    value_type,
)
from headrace.errors import ValidationException

# Enough precision to add two 38-digit numbers of any magnitude DynamoDB allows exactly;
# the sum is then checked against the 38-digit limit like any number.
_ARITHMETIC = decimal.Context(prec=300)
# DynamoDB's operand type names in "Incorrect operand type" messages.
_OPERAND_NAMES = {
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
_WRONG_TYPE = "An operand in the update expression has an incorrect data type"


@dataclass(frozen=True, kw_only=True, slots=True)
class Update:
    """The actions of one UpdateItem, by attribute name (values in DynamoDB JSON)."""

    set: Mapping[str, AttributeValue] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    add: Mapping[str, AttributeValue] = field(default_factory=dict)
    delete: Mapping[str, AttributeValue] = field(default_factory=dict)

    @classmethod
    def checked(
        cls,
        *,
        set: Mapping[str, Any] | None = None,
        remove: Iterable[str] = (),
        add: Mapping[str, Any] | None = None,
        delete: Mapping[str, Any] | None = None,
        key_names: frozenset[str],
    ) -> Update:
        """Normalise the values and check names: no overlaps, no key attributes."""
        update = cls(
            set={name: normalize_value(v) for name, v in (set or {}).items()},
            remove=tuple(remove),
            add={name: normalize_value(v) for name, v in (add or {}).items()},
            delete={name: normalize_value(v) for name, v in (delete or {}).items()},
        )
        _check_paths(update.paths(), key_names)
        for value in update.add.values():
            _check_operand("ADD", value, ("N", *SET_TYPES))
        for value in update.delete.values():
            _check_operand("DELETE", value, SET_TYPES)
        return update

    def paths(self) -> list[str]:
        """Every attribute the update names, in action order (repeats kept)."""
        return [*self.set, *self.remove, *self.add, *self.delete]

    def apply(self, old: Item | None, key: Item) -> Item:
        """The item after the update; an absent item starts as just its key (an upsert)."""
        item: Item = dict(old) if old is not None else dict(key)
        item.update(self.set)
        for name in self.remove:
            item.pop(name, None)
        for name, value in self.add.items():
            item[name] = _add(item.get(name), value)
        for name, value in self.delete.items():
            remaining = _delete(item.get(name), value)
            if remaining is None:
                item.pop(name, None)
            else:
                item[name] = remaining
        return item


def _check_paths(paths: list[str], key_names: frozenset[str]) -> None:
    seen: set[str] = set()
    for name in paths:
        if name in key_names:
            raise ValidationException(
                "One or more parameter values were invalid: Cannot update attribute "
                f"{name}. This attribute is part of the key"
            )
        if name in seen:
            raise ValidationException(
                "Invalid UpdateExpression: Two document paths overlap with each other; must "
                f"remove or rewrite one of these paths; path one: [{name}], path two: [{name}]"
            )
        seen.add(name)


def _check_operand(operator: str, value: AttributeValue, allowed: tuple[str, ...]) -> None:
    kind = value_type(value)
    if kind not in allowed:
        raise ValidationException(
            "Invalid UpdateExpression: Incorrect operand type for operator or function; "
            f"operator: {operator}, operand type: {_OPERAND_NAMES[kind]}"
        )


def _add(current: AttributeValue | None, value: AttributeValue) -> AttributeValue:
    kind = value_type(value)
    if current is None:
        return value
    if value_type(current) != kind:
        raise ValidationException(_WRONG_TYPE)
    if kind == "N":
        total = _ARITHMETIC.add(Decimal(current["N"]), Decimal(value["N"]))
        return {"N": normalize_number(format(total, "f"))}
    merged = set(current[kind]) | set(value[kind])
    return normalize_value({kind: sorted(merged)})


def _delete(current: AttributeValue | None, value: AttributeValue) -> AttributeValue | None:
    kind = value_type(value)
    if current is None:
        return None
    if value_type(current) != kind:
        raise ValidationException(_WRONG_TYPE)
    remaining = set(current[kind]) - set(value[kind])
    return normalize_value({kind: sorted(remaining)}) if remaining else None
