"""UpdateItem: SET, REMOVE, ADD (numbers and sets), DELETE, upserts, ReturnValues, errors."""

from __future__ import annotations

from typing import Any

import pytest
from tables_helpers import n, s

from headrace.broker.tables import TableBroker
from headrace.errors import ValidationException

U1 = {"id": s("u1")}


@pytest.fixture
def ann(tables: TableBroker) -> TableBroker:
    """``users`` holding u1 = {name: Ann, age: 31, tags: {a, b}}."""
    tables.put_item(
        "users", {"id": s("u1"), "name": s("Ann"), "age": n("31"), "tags": {"SS": ["a", "b"]}}
    )
    return tables


def test_set_replaces_and_adds_attributes_and_keeps_the_rest(ann: TableBroker) -> None:
    """SET writes the given attributes; the others stay."""
    ann.update_item("users", U1, set={"name": s("Bea"), "city": s("Oslo")})
    item = ann.get_item("users", U1)
    assert item is not None
    assert (item["name"], item["city"], item["age"]) == (s("Bea"), s("Oslo"), n("31"))


def test_remove_takes_attributes_away(ann: TableBroker) -> None:
    """REMOVE deletes the named attributes; an absent one is ignored."""
    ann.update_item("users", U1, remove=["age", "never-there"])
    item = ann.get_item("users", U1)
    assert item is not None
    assert "age" not in item
    assert item["name"] == s("Ann")


def test_add_adds_to_a_number(ann: TableBroker) -> None:
    """ADD on a number adds to it, exactly (decimal arithmetic)."""
    ann.update_item("users", U1, add={"age": n("0.1")})
    ann.update_item("users", U1, add={"age": n("0.2")})
    assert ann.get_item("users", U1)["age"] == n("31.3")  # type: ignore[index]


def test_add_to_an_absent_number_starts_at_zero(ann: TableBroker) -> None:
    """ADD on an absent attribute treats it as 0."""
    ann.update_item("users", U1, add={"visits": n("-2")})
    assert ann.get_item("users", U1)["visits"] == n("-2")  # type: ignore[index]


def test_add_merges_into_a_set(ann: TableBroker) -> None:
    """ADD on a set adds the members that are not there yet."""
    ann.update_item("users", U1, add={"tags": {"SS": ["b", "c"]}})
    assert ann.get_item("users", U1)["tags"] == {"SS": ["a", "b", "c"]}  # type: ignore[index]


def test_add_merges_number_sets_by_value(tables: TableBroker) -> None:
    """ADD on a number set: 1 and 1.0 are one member."""
    tables.put_item("users", {"id": s("u1"), "ns": {"NS": ["1", "10"]}})
    tables.update_item("users", U1, add={"ns": {"NS": ["1.0", "2"]}})
    assert tables.get_item("users", U1)["ns"] == {"NS": ["1", "2", "10"]}  # type: ignore[index]


def test_add_of_another_type_is_an_incorrect_operand(ann: TableBroker) -> None:
    """ADD of a number to a string set is DynamoDB's 'incorrect data type'."""
    with pytest.raises(ValidationException, match="incorrect data type"):
        ann.update_item("users", U1, add={"tags": n("1")})


def test_add_takes_only_numbers_and_sets(ann: TableBroker) -> None:
    """ADD with a string operand is 'Incorrect operand type ... operand type: STRING'."""
    with pytest.raises(ValidationException, match="operator: ADD, operand type: STRING"):
        ann.update_item("users", U1, add={"name": s("x")})


def test_delete_takes_members_out_of_a_set(ann: TableBroker) -> None:
    """DELETE removes members from a set."""
    ann.update_item("users", U1, delete={"tags": {"SS": ["a", "z"]}})
    assert ann.get_item("users", U1)["tags"] == {"SS": ["b"]}  # type: ignore[index]


def test_delete_of_every_member_removes_the_set(ann: TableBroker) -> None:
    """A set left empty by DELETE is removed (DynamoDB has no empty sets)."""
    ann.update_item("users", U1, delete={"tags": {"SS": ["a", "b"]}})
    assert "tags" not in ann.get_item("users", U1)  # type: ignore[operator]


def test_an_update_of_an_absent_item_inserts_it(tables: TableBroker, changes: Any) -> None:
    """UpdateItem of an absent key creates the item from its key and emits INSERT."""
    result = tables.update_item("users", U1, set={"a": s("x")})
    assert result.event_name == "INSERT"
    assert tables.get_item("users", U1) == {"id": s("u1"), "a": s("x")}
    assert changes()[0]["dynamodb"]["NewImage"] == {"id": s("u1"), "a": s("x")}


def test_an_update_of_an_item_is_a_modify(ann: TableBroker, changes: Any) -> None:
    """§3.3.1: an update of an existing item emits MODIFY with both images."""
    ann.update_item("users", U1, set={"name": s("Bea")})
    modify = changes()[-1]
    assert modify["eventName"] == "MODIFY"
    assert modify["dynamodb"]["OldImage"]["name"] == s("Ann")
    assert modify["dynamodb"]["NewImage"]["name"] == s("Bea")


def test_an_update_that_changes_nothing_writes_no_record(ann: TableBroker, changes: Any) -> None:
    """Setting the values an item already has writes no record, as DynamoDB Streams does."""
    result = ann.update_item("users", U1, set={"name": s("Ann")}, remove=["missing"])
    assert not result.changed
    assert len(changes()) == 1


def test_a_key_attribute_cannot_be_updated(ann: TableBroker) -> None:
    """SET on a key attribute is refused with DynamoDB's text."""
    with pytest.raises(ValidationException) as caught:
        ann.update_item("users", U1, set={"id": s("u2")})
    assert caught.value.message == (
        "One or more parameter values were invalid: Cannot update attribute id. "
        "This attribute is part of the key"
    )


def test_an_attribute_in_two_actions_overlaps(ann: TableBroker) -> None:
    """Naming one attribute in two actions is 'Two document paths overlap'."""
    with pytest.raises(ValidationException, match=r"path one: \[age\], path two: \[age\]"):
        ann.update_item("users", U1, set={"age": n("1")}, remove=["age"])


def test_updated_new_returns_only_the_updated_attributes(ann: TableBroker) -> None:
    """ReturnValues UPDATED_NEW gives the touched attributes after the update."""
    result = ann.update_item(
        "users", U1, set={"name": s("Bea")}, add={"age": n("1")}, return_values="UPDATED_NEW"
    )
    assert result.attributes == {"name": s("Bea"), "age": n("32")}


def test_updated_old_returns_the_touched_attributes_before(ann: TableBroker) -> None:
    """ReturnValues UPDATED_OLD gives the touched attributes as they were."""
    result = ann.update_item("users", U1, remove=["age"], return_values="UPDATED_OLD")
    assert result.attributes == {"age": n("31")}


def test_all_new_returns_the_whole_item(ann: TableBroker) -> None:
    """ReturnValues ALL_NEW gives the whole item after the update."""
    result = ann.update_item("users", U1, set={"x": s("y")}, return_values="ALL_NEW")
    assert result.attributes is not None
    assert set(result.attributes) == {"id", "name", "age", "tags", "x"}


def test_an_update_past_400_kb_is_refused(ann: TableBroker) -> None:
    """An update making the item larger than 400 KB is refused; the item is unchanged."""
    with pytest.raises(ValidationException, match="Item size to update has exceeded"):
        ann.update_item("users", U1, set={"big": s("x" * 410_000)})
    assert "big" not in ann.get_item("users", U1)  # type: ignore[operator]


def test_a_failed_update_writes_no_record(ann: TableBroker, changes: Any) -> None:
    """An update refused half-way (a type error on the stored item) changes nothing."""
    with pytest.raises(ValidationException):
        ann.update_item("users", U1, set={"a": s("x")}, add={"name": n("1")})
    assert "a" not in ann.get_item("users", U1)  # type: ignore[operator]
    assert len(changes()) == 1
