"""PutItem, GetItem, DeleteItem and BatchWriteItem: what is stored, which records are written,
and what ReturnValues gives back."""

from __future__ import annotations

from typing import Any

import pytest
from tables_helpers import n, s, table_config

from headrace.broker.tables import TableBroker
from headrace.errors import ResourceNotFoundException, ValidationException

U1 = {"id": s("u1")}


def test_put_then_get_returns_the_item(tables: TableBroker) -> None:
    """PutItem stores the item whole; GetItem returns it."""
    tables.put_item("users", {"id": s("u1"), "name": s("Ann"), "age": n("31")})
    assert tables.get_item("users", U1) == {"id": s("u1"), "name": s("Ann"), "age": n("31")}


def test_get_of_an_absent_item_is_none(tables: TableBroker) -> None:
    """GetItem of a key with no item returns nothing."""
    assert tables.get_item("users", U1) is None


def test_a_first_put_is_an_insert(tables: TableBroker, changes: Any) -> None:
    """§3.3.1: a put of a new key emits INSERT."""
    result = tables.put_item("users", {"id": s("u1")})
    assert result.event_name == "INSERT"
    assert [r["eventName"] for r in changes()] == ["INSERT"]


def test_a_put_over_an_item_replaces_it_and_is_a_modify(tables: TableBroker, changes: Any) -> None:
    """§3.3.1: a put over an existing item replaces it whole and emits MODIFY."""
    tables.put_item("users", {"id": s("u1"), "a": s("1"), "b": s("2")})
    tables.put_item("users", {"id": s("u1"), "c": s("3")})
    assert tables.get_item("users", U1) == {"id": s("u1"), "c": s("3")}
    assert [r["eventName"] for r in changes()] == ["INSERT", "MODIFY"]


def test_a_put_of_an_identical_item_writes_no_record(tables: TableBroker, changes: Any) -> None:
    """A put that changes nothing writes no stream record, as DynamoDB Streams does."""
    tables.put_item("users", {"id": s("u1"), "a": s("1")})
    result = tables.put_item("users", {"a": s("1"), "id": s("u1")})
    assert (result.event_name, result.sequence_number) == (None, None)
    assert len(changes()) == 1


def test_equal_numbers_and_sets_count_as_unchanged(tables: TableBroker, changes: Any) -> None:
    """Numbers compare by value and sets ignore order: 1.50 == 1.5, [b, a] == [a, b]."""
    tables.put_item("users", {"id": s("u1"), "x": n("1.50"), "t": {"SS": ["b", "a"]}})
    result = tables.put_item("users", {"id": s("u1"), "x": n("1.5"), "t": {"SS": ["a", "b"]}})
    assert not result.changed
    assert len(changes()) == 1


def test_delete_removes_the_item_and_is_a_remove(tables: TableBroker, changes: Any) -> None:
    """§3.3.1: DeleteItem of an item emits REMOVE and the item is gone."""
    tables.put_item("users", {"id": s("u1")})
    result = tables.delete_item("users", U1)
    assert result.event_name == "REMOVE"
    assert tables.get_item("users", U1) is None
    assert [r["eventName"] for r in changes()] == ["INSERT", "REMOVE"]


def test_delete_of_an_absent_item_writes_nothing(tables: TableBroker, changes: Any) -> None:
    """A delete of a key with no item is no error and writes no record."""
    result = tables.delete_item("users", U1)
    assert not result.changed
    assert changes() == []


def test_put_returns_the_old_item_with_all_old(tables: TableBroker) -> None:
    """ReturnValues ALL_OLD on PutItem gives the replaced item."""
    tables.put_item("users", {"id": s("u1"), "a": s("old")})
    result = tables.put_item("users", {"id": s("u1"), "a": s("new")}, return_values="ALL_OLD")
    assert result.to_aws() == {"Attributes": {"id": s("u1"), "a": s("old")}}


def test_put_returns_nothing_by_default(tables: TableBroker) -> None:
    """ReturnValues NONE (the default) gives no Attributes."""
    tables.put_item("users", {"id": s("u1")})
    assert tables.put_item("users", {"id": s("u1"), "a": s("x")}).to_aws() == {}


def test_delete_returns_the_deleted_item_with_all_old(tables: TableBroker) -> None:
    """ReturnValues ALL_OLD on DeleteItem gives the deleted item."""
    tables.put_item("users", {"id": s("u1"), "a": s("x")})
    result = tables.delete_item("users", U1, return_values="ALL_OLD")
    assert result.attributes == {"id": s("u1"), "a": s("x")}


def test_put_refuses_all_new(tables: TableBroker) -> None:
    """PutItem accepts only NONE and ALL_OLD."""
    with pytest.raises(ValidationException, match="Return values set to invalid value"):
        tables.put_item("users", {"id": s("u1")}, return_values="ALL_NEW")


def test_an_unknown_return_value_lists_the_enum(tables: TableBroker) -> None:
    """An unknown ReturnValues is a ValidationException listing DynamoDB's values."""
    with pytest.raises(ValidationException, match=r"enum value set: \[ALL_NEW, UPDATED_OLD"):
        tables.put_item("users", {"id": s("u1")}, return_values="EVERYTHING")


def test_an_undeclared_table_is_not_found(tables: TableBroker) -> None:
    """A table the config does not declare is ResourceNotFoundException with DynamoDB's text."""
    with pytest.raises(ResourceNotFoundException) as caught:
        tables.put_item("orders", {"id": s("u1")})
    assert caught.value.message == "Requested resource not found: Table: orders not found"


def test_a_table_arn_names_the_table(tables: TableBroker) -> None:
    """A table ARN of the broker's region and account names the declared table."""
    tables.put_item("arn:aws:dynamodb:us-east-1:123456789012:table/users", {"id": s("u1")})
    assert tables.get_item("users", U1) is not None


def test_a_table_arn_of_another_account_is_not_found(tables: TableBroker) -> None:
    """An ARN of another account is not an embedded table."""
    with pytest.raises(ResourceNotFoundException):
        tables.get_item("arn:aws:dynamodb:us-east-1:999999999999:table/users", U1)


def test_items_are_per_table(make_tables: Any) -> None:
    """Two tables with the same key hold separate items."""
    tables = make_tables({"users": table_config(), "admins": table_config("admins")})
    tables.put_item("users", {"id": s("u1"), "t": s("users")})
    assert tables.get_item("admins", U1) is None


def test_items_survive_a_reopen(make_tables: Any) -> None:
    """Items are in the file: another broker on it sees them."""
    make_tables().put_item("users", {"id": s("u1"), "a": s("x")})
    assert make_tables().get_item("users", U1) == {"id": s("u1"), "a": s("x")}


def test_describe_counts_items(tables: TableBroker) -> None:
    """DescribeTable's ItemCount is the number of items held."""
    for i in range(3):
        tables.put_item("users", {"id": s(f"u{i}")})
    tables.delete_item("users", {"id": s("u0")})
    assert tables.describe_table("users").item_count == 2


# -- BatchWriteItem ------------------------------------------------------------------------


def test_batch_write_puts_and_deletes(tables: TableBroker, changes: Any) -> None:
    """BatchWriteItem applies every put and delete; each change has its record."""
    tables.put_item("users", {"id": s("gone")})
    result = tables.batch_write_item(
        "users", puts=[{"id": s("a")}, {"id": s("b")}], deletes=[{"id": s("gone")}]
    )
    assert [r.event_name for r in result.puts + result.deletes] == ["INSERT", "INSERT", "REMOVE"]
    assert len(result.sequence_numbers) == 3
    assert [r["eventName"] for r in changes()] == ["INSERT", "INSERT", "INSERT", "REMOVE"]
    assert result.to_aws() == {"UnprocessedItems": {}}


def test_batch_write_takes_at_most_25(tables: TableBroker) -> None:
    """BatchWriteItem refuses more than 25 requests."""
    puts = [{"id": s(f"u{i}")} for i in range(26)]
    with pytest.raises(ValidationException, match="Too many items requested"):
        tables.batch_write_item("users", puts=puts)


def test_batch_write_refuses_an_empty_batch(tables: TableBroker) -> None:
    """BatchWriteItem needs at least one request."""
    with pytest.raises(ValidationException, match="cannot be null or empty: users"):
        tables.batch_write_item("users")


def test_batch_write_refuses_a_key_twice(tables: TableBroker, changes: Any) -> None:
    """A key named twice in one batch is refused and nothing is written."""
    with pytest.raises(ValidationException, match="Provided list of item keys contains duplicates"):
        tables.batch_write_item("users", puts=[{"id": s("a")}], deletes=[{"id": s("a")}])
    assert changes() == []


def test_a_bad_item_in_a_batch_writes_nothing(tables: TableBroker) -> None:
    """One invalid request fails the whole batch; the valid ones are not written."""
    with pytest.raises(ValidationException):
        tables.batch_write_item("users", puts=[{"id": s("a")}, {"nokey": s("b")}])
    assert tables.get_item("users", {"id": s("a")}) is None
