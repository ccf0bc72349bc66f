"""UpdateExpression on nested paths and ConditionExpression on PutItem, UpdateItem and
DeleteItem, through the SQLite TableBroker: atomic, and a failed check writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tables_helpers import n, s

from headrace.broker.tables import TableBroker
from headrace.broker.tables.expressions import parse_expressions
from headrace.errors import ConditionalCheckFailedException, ValidationException

U1 = {"id": s("u1")}
Changes = Callable[..., list[dict[str, Any]]]


@pytest.fixture
def ann(tables: TableBroker) -> TableBroker:
    """``users`` holding u1 = {nick: Ann, visits: 1, profile: {city: Oslo, pets: [cat, dog]}}."""
    tables.put_item(
        "users",
        {
            "id": s("u1"),
            "nick": s("Ann"),
            "visits": n("1"),
            "profile": {"M": {"city": s("Oslo"), "pets": {"L": [s("cat"), s("dog")]}}},
        },
    )
    return tables


def update(
    broker: TableBroker, expression: str, condition: str | None = None, **kwargs: Any
) -> Any:
    """Run UpdateItem on u1 with ``expression`` (values from ``values=``, names ``names=``)."""
    parsed = parse_expressions(
        update=expression,
        condition=condition,
        names=kwargs.pop("names", None),
        values=kwargs.pop("values", None),
    )
    return broker.update_item(
        "users", U1, update=parsed.update, condition=parsed.condition, **kwargs
    )


def condition(text: str, **values: Any) -> Any:
    return parse_expressions(condition=text, values=values or None).condition


def test_nested_set_and_remove(ann: TableBroker) -> None:
    """SET writes a map member and a list index; REMOVE drops a member and a list element."""
    update(
        ann,
        "SET profile.city = :c, profile.pets[1] = :p REMOVE profile.pets[0], nick",
        values={":c": s("Bergen"), ":p": s("owl")},
    )
    item = ann.get_item("users", U1)
    assert item is not None
    assert item["profile"] == {"M": {"city": s("Bergen"), "pets": {"L": [s("owl")]}}}
    assert "nick" not in item


def test_set_values_come_from_the_item_before_the_update(ann: TableBroker) -> None:
    """`SET a = b, b = a` swaps: each value is read from the item before the update."""
    update(ann, "SET nick = visits, visits = nick")
    item = ann.get_item("users", U1)
    assert item is not None
    assert (item["nick"], item["visits"]) == (n("1"), s("Ann"))


def test_counters_and_list_append_upsert(tables: TableBroker) -> None:
    """if_not_exists + :one counts from nothing; list_append grows a list; absent item: INSERT."""
    expression = (
        "SET visits = if_not_exists(visits, :zero) + :one, "
        "log = list_append(if_not_exists(log, :empty), :entry)"
    )
    values = {":zero": n("0"), ":one": n("1"), ":empty": {"L": []}, ":entry": {"L": [s("x")]}}
    first = update(tables, expression, values=values)
    update(tables, expression, values=values)
    item = tables.get_item("users", U1)
    assert first.event_name == "INSERT"
    assert item == {"id": s("u1"), "visits": n("2"), "log": {"L": [s("x"), s("x")]}}


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("SET nope.city = :v", "The document path provided in the update expression is invalid"),
        ("SET nick = nope", "The provided expression refers to an attribute that does not exist"),
        ("SET visits = nick + :v", "An operand in the update expression has an incorrect data"),
    ],
)
def test_runtime_update_errors_write_nothing(
    ann: TableBroker, changes: Changes, expression: str, message: str
) -> None:
    """An invalid path, a missing operand or arithmetic on a string is a ValidationException,
    and the item and its stream are left as they were."""
    before = ann.get_item("users", U1)
    with pytest.raises(ValidationException, match=message):
        update(ann, expression, values={":v": n("1")} if ":v" in expression else None)
    assert ann.get_item("users", U1) == before
    assert len(changes()) == 1


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "SET profile = :v REMOVE profile.city",
            "Two document paths overlap with each other; must remove or rewrite one of these "
            "paths; path one: [profile], path two: [profile, city]",
        ),
        (
            "SET profile.pets[0] = :v, profile.pets.x = :v",
            "Two document paths conflict with each other; must remove or rewrite one of these "
            "paths; path one: [profile, pets, [0]], path two: [profile, pets, x]",
        ),
        ("SET id = :v", "Cannot update attribute id. This attribute is part of the key"),
    ],
)
def test_paths_that_overlap_conflict_or_name_the_key(
    ann: TableBroker, expression: str, message: str
) -> None:
    """Overlapping or conflicting paths, and key attributes, are refused before writing."""
    with pytest.raises(ValidationException) as raised:
        update(ann, expression, values={":v": s("x")})
    assert message in raised.value.message


def test_failed_condition_writes_nothing_and_emits_no_record(
    ann: TableBroker, changes: Changes
) -> None:
    """A false ConditionExpression is ConditionalCheckFailedException ("The conditional
    request failed") for put, update and delete; the item and the stream are unchanged."""
    before = ann.get_item("users", U1)
    false = condition("nick = :v", **{":v": s("Bob")})
    with pytest.raises(ConditionalCheckFailedException, match="The conditional request failed"):
        ann.put_item("users", {"id": s("u1")}, condition=false)
    with pytest.raises(ConditionalCheckFailedException):
        update(ann, "SET visits = :v", "nick = :other", values={":v": n("5"), ":other": s("Bob")})
    with pytest.raises(ConditionalCheckFailedException):
        ann.delete_item("users", U1, condition=false)
    assert ann.get_item("users", U1) == before
    assert [r["eventName"] for r in changes()] == ["INSERT"]


def test_passing_condition_writes(ann: TableBroker) -> None:
    """A true ConditionExpression lets the write happen, checked against the stored item."""
    result = update(
        ann,
        "ADD visits :one",
        "visits < :max AND attribute_exists(profile.pets[1])",
        values={":one": n("1"), ":max": n("10")},
        return_values="UPDATED_NEW",
    )
    assert result.attributes == {"visits": n("2")}
    ann.delete_item("users", U1, condition=condition("visits = :v", **{":v": n("2")}))
    assert ann.get_item("users", U1) is None


def test_put_if_absent(tables: TableBroker) -> None:
    """attribute_not_exists(id) makes PutItem create-only: the second put fails."""
    absent = condition("attribute_not_exists(id)")
    tables.put_item("users", {"id": s("u1"), "v": n("1")}, condition=absent)
    with pytest.raises(ConditionalCheckFailedException):
        tables.put_item("users", {"id": s("u1"), "v": n("2")}, condition=absent)
    assert tables.get_item("users", U1) == {"id": s("u1"), "v": n("1")}


def test_updated_values_return_only_the_updated_paths(ann: TableBroker) -> None:
    """UPDATED_OLD and UPDATED_NEW return the written paths, nested ones in their maps."""
    old = update(
        ann, "SET profile.city = :c", values={":c": s("Rome")}, return_values="UPDATED_OLD"
    )
    new = update(
        ann, "SET profile.city = :c", values={":c": s("Pisa")}, return_values="UPDATED_NEW"
    )
    assert old.attributes == {"profile": {"M": {"city": s("Oslo")}}}
    assert new.attributes == {"profile": {"M": {"city": s("Pisa")}}}


def test_expression_and_keyword_actions_are_not_mixed(ann: TableBroker) -> None:
    """UpdateItem takes an UpdateExpression or the keyword actions, not both."""
    parsed = parse_expressions(update="SET a = :a", values={":a": n("1")})
    with pytest.raises(ValidationException):
        ann.update_item("users", U1, update=parsed.update, set={"b": n("2")})
