"""UpdateItem's actions: SET, REMOVE, ADD and DELETE on document paths.

An update is a parsed :class:`~headrace.broker.tables.expression_nodes.UpdateExpression`,
from an UpdateExpression string (:func:`~headrace.broker.tables.expressions.parse_expressions`)
or from the keyword form the CLI uses (:func:`update_from_actions`: attribute names and
values, top-level attributes only). Applying it (:func:`apply_update`):

- SET writes a value (a value, another path's value, ``if_not_exists``, ``list_append``,
  ``+``/``-``), computed from the item before the update; ``a.b`` needs ``a`` to be a map,
  ``a[i]`` a list (an index past the end appends);
- REMOVE takes a path away (absent ones are ignored; list members close up, indexes being
  those before the update);
- ADD adds a number to the path's number (absent: 0) or merges a set into the path's set
  of the same type (absent: the empty set);
- DELETE takes a set's members out of the path's set; a set left empty goes.

Errors are DynamoDB's: paths that overlap ("Two document paths overlap") or conflict ("Two
document paths conflict"), a key attribute ("Cannot update attribute id. This attribute is
part of the key"), ADD or DELETE of the wrong type ("Incorrect operand type" / "An operand in
the update expression has an incorrect data type").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from headrace.broker.tables import document_paths
from headrace.broker.tables.attribute_values import (
    AttributeValue,
    Item,
    normalize_number,
    normalize_value,
    value_type,
)
from headrace.broker.tables.expression_eval import ARITHMETIC, WRONG_TYPE, set_value
from headrace.broker.tables.expression_nodes import (
    DocumentPath,
    UpdateAction,
    UpdateExpression,
    Value,
)
from headrace.broker.tables.expression_placeholders import Placeholders
from headrace.errors import ValidationException


def update_from_actions(
    *,
    set: Mapping[str, Any] | None = None,
    remove: Iterable[str] = (),
    add: Mapping[str, Any] | None = None,
    delete: Mapping[str, Any] | None = None,
) -> UpdateExpression:
    """The update ``SET a = :a REMOVE b ADD c :c DELETE d :d`` given as Python values."""
    checks = Placeholders(None, None).for_expression("UpdateExpression")
    actions = [
        UpdateAction("SET", DocumentPath((n,)), Value(normalize_value(v)))
        for n, v in (set or {}).items()
    ]
    actions += [UpdateAction("REMOVE", DocumentPath((name,))) for name in remove]
    for clause, given in (("ADD", add), ("DELETE", delete)):
        for name, raw in (given or {}).items():
            value = Value(normalize_value(raw))
            checks.check_operand_type(clause, value)
            actions.append(UpdateAction(clause, DocumentPath((name,)), value))
    return UpdateExpression(tuple(actions))


def check_update(update: UpdateExpression, key_names: frozenset[str]) -> None:
    """No key attribute written, no two paths overlapping or conflicting."""
    paths = update.paths()
    for index, path in enumerate(paths):
        if path.elements[0] in key_names:
            raise ValidationException(
                "One or more parameter values were invalid: Cannot update attribute "
                f"{path.elements[0]}. This attribute is part of the key"
            )
        for earlier in paths[:index]:
            check_apart(earlier, path, "UpdateExpression")


def check_apart(one: DocumentPath, two: DocumentPath, what: str) -> None:
    """Refuse two paths of one expression that overlap or conflict, as DynamoDB does."""
    for test, word in (
        (DocumentPath.overlaps, "overlap with"),
        (DocumentPath.conflicts, "conflict with"),
    ):
        if test(one, two):
            raise ValidationException(
                f"Invalid {what}: Two document paths {word} each other; must remove or "
                f"rewrite one of these paths; path one: {one.described()}, "
                f"path two: {two.described()}"
            )


def apply_update(update: UpdateExpression, old: Item | None, key: Item) -> Item:
    """The item after ``update``; an absent item starts as just its key (an upsert)."""
    before: Item = dict(old) if old is not None else dict(key)
    item = before
    removes: list[DocumentPath] = []
    for action in update.actions:
        if action.clause == "REMOVE":
            removes.append(action.path)
            continue
        assert action.value is not None  # SET, ADD and DELETE carry one
        if action.clause == "SET":
            item = document_paths.written(item, action.path, set_value(action.value, before))
            continue
        assert isinstance(action.value, Value)
        current = document_paths.read(item, action.path)
        if action.clause == "ADD":
            item = document_paths.written(item, action.path, _add(current, action.value.value))
            continue
        remaining = _delete(current, action.value.value)
        if remaining is None:
            item = document_paths.removed(item, action.path)
        else:
            item = document_paths.written(item, action.path, remaining)
    for path in sorted(removes, key=_last_index, reverse=True):
        item = document_paths.removed(item, path)
    return item


def _last_index(path: DocumentPath) -> int:
    # Later list members go first, so each REMOVE names the member it meant.
    last = path.elements[-1]
    return last if isinstance(last, int) else -1


def _add(current: AttributeValue | None, value: AttributeValue) -> AttributeValue:
    kind = value_type(value)
    if current is None:
        return value
    if value_type(current) != kind:
        raise ValidationException(WRONG_TYPE)
    if kind == "N":
        total = ARITHMETIC.add(Decimal(current["N"]), Decimal(value["N"]))
        return {"N": normalize_number(format(total, "f"))}
    merged = set(current[kind]) | set(value[kind])
    return normalize_value({kind: sorted(merged)})


def _delete(current: AttributeValue | None, value: AttributeValue) -> AttributeValue | None:
    kind = value_type(value)
    if current is None:
        return None
    if value_type(current) != kind:
        raise ValidationException(WRONG_TYPE)
    remaining = set(current[kind]) - set(value[kind])
    return normalize_value({kind: sorted(remaining)}) if remaining else None
