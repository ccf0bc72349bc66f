"""The :class:`~headrace.broker.tables.table_seam.TableStorage` contract as test classes.

A backend passes by running these classes with a ``table_storage_factory`` fixture that
opens it (see :class:`TableStorageFactory`), as
``tests/unit/broker/tables/test_table_storage_conformance.py`` does for SQLite. Time is a
:class:`~headrace.clock.FakeClock`. § numbers name the statements of the reference
(lambda-esm.md) a test checks: §3.3 (the change record), §5.2 (one item's records in order).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Mapping
from typing import Any, Protocol

import pytest

from headrace.broker.tables.expressions import parse_expressions
from headrace.broker.tables.table_reads import ReadOptions
from headrace.broker.tables.table_seam import TableStorage
from headrace.clock import FakeClock
from headrace.config.resources import TableConfig
from headrace.errors import (
    ConditionalCheckFailedException,
    InvalidParameterValueException,
    ResourceInUseException,
    ResourceNotFoundException,
    ValidationException,
)

__all__ = [
    "ACCOUNT",
    "REGION",
    "TableStorageContract",
    "TableStorageFactory",
    "TestChangeStream",
    "TestConditionsAndUpdates",
    "TestCreateAndDeleteTables",
    "TestItems",
    "TestQueryAndScan",
    "conformance_tables",
]

REGION = "us-east-1"
ACCOUNT = "123456789012"


class TableStorageFactory(Protocol):
    """Opens a backend with ``tables`` declared, on ``clock``; the suite closes it."""

    def __call__(
        self, tables: Mapping[str, TableConfig], *, clock: FakeClock, region: str, account: str
    ) -> Awaitable[TableStorage]: ...


def conformance_tables() -> dict[str, TableConfig]:
    """``users`` (id: S, NEW_AND_OLD_IMAGES stream), ``plain`` (id: S, no stream) and
    ``events`` (pk: S, sk: N, no stream)."""
    schema = {
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    }
    streamed = {**schema, "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"}}
    composite = {
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
    }
    return {
        "users": TableConfig.from_aws("users", streamed),
        "plain": TableConfig.from_aws("plain", schema),
        "events": TableConfig.from_aws("events", composite),
    }


def user(id_: str, **attributes: str) -> dict[str, Any]:
    """An item of ``users`` in DynamoDB JSON (string attributes)."""
    return {"id": {"S": id_}, **{k: {"S": v} for k, v in attributes.items()}}


class TableStorageContract:
    """Fixtures shared by the suite's classes: the fake clock and an open storage."""

    @pytest.fixture
    def clock(self) -> FakeClock:
        return FakeClock()

    @pytest.fixture
    async def storage(
        self, table_storage_factory: TableStorageFactory, clock: FakeClock
    ) -> AsyncIterator[TableStorage]:
        opened = await table_storage_factory(
            conformance_tables(), clock=clock, region=REGION, account=ACCOUNT
        )
        try:
            yield opened
        finally:
            await opened.aclose()


async def changes(storage: TableStorage, table: str) -> list[dict[str, Any]]:
    """Every change record of ``table``'s stream, shard by shard, decoded."""
    stream = await storage.change_stream(table)
    found = []
    for shard in await stream.storage.list_shards(stream.stream_name):
        iterator = await stream.storage.get_shard_iterator(
            stream.stream_name, shard.shard_id, "TRIM_HORIZON"
        )
        result = await stream.storage.get_records(iterator, 10_000)
        found += [json.loads(r.data) for r in result.records]
    return found


class TestItems(TableStorageContract):
    """PutItem, GetItem, UpdateItem, DeleteItem, BatchWriteItem and DescribeTable."""

    async def test_put_then_get(self, storage: TableStorage) -> None:
        """An item put is read back whole; a missing key reads None."""
        await storage.put_item("users", user("u1", name="Ann"))
        assert await storage.get_item("users", {"id": {"S": "u1"}}) == user("u1", name="Ann")
        assert await storage.get_item("users", {"id": {"S": "nobody"}}) is None

    async def test_update_sets_and_removes_attributes(self, storage: TableStorage) -> None:
        """UpdateItem SET adds or replaces attributes, REMOVE drops them, the rest stays."""
        await storage.put_item("users", user("u1", name="Ann", city="Oslo"))
        await storage.update_item(
            "users", {"id": {"S": "u1"}}, set={"name": {"S": "Bo"}}, remove=["city"]
        )
        assert await storage.get_item("users", {"id": {"S": "u1"}}) == user("u1", name="Bo")

    async def test_delete_and_return_values(self, storage: TableStorage) -> None:
        """DeleteItem with ALL_OLD returns the item it deleted; the item is gone."""
        await storage.put_item("users", user("u1", name="Ann"))
        result = await storage.delete_item("users", {"id": {"S": "u1"}}, return_values="ALL_OLD")
        assert result.attributes == user("u1", name="Ann")
        assert await storage.get_item("users", {"id": {"S": "u1"}}) is None

    async def test_batch_write_and_describe(self, storage: TableStorage) -> None:
        """BatchWriteItem applies puts then deletes; DescribeTable counts the items."""
        await storage.batch_write_item("plain", puts=[user("a"), user("b"), user("c")])
        await storage.batch_write_item("plain", deletes=[{"id": {"S": "b"}}])
        summary = await storage.describe_table("plain")
        assert (summary.table_name, summary.item_count) == ("plain", 2)
        assert summary.latest_stream_arn is None
        assert sorted(await storage.list_tables()) == ["events", "plain", "users"]

    async def test_bad_key_and_unknown_table(self, storage: TableStorage) -> None:
        """A key of the wrong type is a ValidationException; an undeclared table is
        ResourceNotFoundException."""
        with pytest.raises(ValidationException):
            await storage.get_item("users", {"id": {"N": "1"}})
        with pytest.raises(ResourceNotFoundException):
            await storage.put_item("nope", user("u1"))


class TestCreateAndDeleteTables(TableStorageContract):
    """CreateTable and DeleteTable at run time, with the created table's change stream."""

    async def test_created_table_takes_items_and_records(self, storage: TableStorage) -> None:
        """A created table is listed and described (key schema, stream ARN) and takes
        writes whose change records its stream carries (§3.3); its name cannot be taken
        again (ResourceInUseException), nor a declared table's."""
        config = TableConfig.from_aws("orders", _streamed_schema())
        summary = await storage.create_table(config)
        assert summary.table_name == "orders"
        assert summary.key_schema == ({"AttributeName": "id", "KeyType": "HASH"},)
        assert summary.latest_stream_arn is not None
        assert "orders" in await storage.list_tables()
        await storage.put_item("orders", user("o1"))
        records = await changes(storage, "orders")
        assert [r["eventName"] for r in records] == ["INSERT"]
        assert records[0]["eventSourceARN"] == summary.latest_stream_arn
        with pytest.raises(ResourceInUseException):
            await storage.create_table(config)
        with pytest.raises(ResourceInUseException):
            await storage.create_table(TableConfig.from_aws("users", _streamed_schema()))

    async def test_deleted_table_is_gone_with_its_items(self, storage: TableStorage) -> None:
        """DeleteTable answers the table's last description; then it is not listed, its
        items and change stream are gone, and it can be created again empty."""
        config = TableConfig.from_aws("orders", _streamed_schema())
        await storage.create_table(config)
        await storage.put_item("orders", user("o1"))
        deleted = await storage.delete_table("orders")
        assert (deleted.table_name, deleted.item_count) == ("orders", 1)
        assert "orders" not in await storage.list_tables()
        with pytest.raises(ResourceNotFoundException):
            await storage.get_item("orders", {"id": {"S": "o1"}})
        with pytest.raises(ResourceNotFoundException):
            await storage.delete_table("orders")
        await storage.create_table(config)
        assert (await storage.describe_table("orders")).item_count == 0
        assert await changes(storage, "orders") == []


def _streamed_schema() -> dict[str, Any]:
    return {
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
    }


class TestChangeStream(TableStorageContract):
    """§3.3: each change appends its record to the table's stream, in the same write."""

    async def test_insert_modify_remove_records_in_order(self, storage: TableStorage) -> None:
        """§3.3.1 and §5.2: INSERT, MODIFY, REMOVE for one item, in write order, with images
        as NEW_AND_OLD_IMAGES gives them, each numbered as the write answered."""
        first = await storage.put_item("users", user("u1", name="Ann"))
        second = await storage.put_item("users", user("u1", name="Bo"))
        third = await storage.delete_item("users", {"id": {"S": "u1"}})
        records = await changes(storage, "users")
        assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
        numbers = [first.sequence_number, second.sequence_number, third.sequence_number]
        assert [r["dynamodb"]["SequenceNumber"] for r in records] == numbers
        assert "OldImage" not in records[0]["dynamodb"]
        assert records[1]["dynamodb"]["OldImage"] == user("u1", name="Ann")
        assert records[1]["dynamodb"]["NewImage"] == user("u1", name="Bo")
        assert "NewImage" not in records[2]["dynamodb"]
        stream = await storage.change_stream("users")
        assert all(r["eventSourceARN"] == stream.stream_arn for r in records)

    async def test_a_write_that_changes_nothing_writes_no_record(
        self, storage: TableStorage
    ) -> None:
        """Putting the same item again, or deleting a missing one, writes no record."""
        await storage.put_item("users", user("u1", name="Ann"))
        again = await storage.put_item("users", user("u1", name="Ann"))
        missing = await storage.delete_item("users", {"id": {"S": "ghost"}})
        assert (again.sequence_number, missing.sequence_number) == (None, None)
        assert len(await changes(storage, "users")) == 1

    async def test_table_without_stream_has_no_change_stream(self, storage: TableStorage) -> None:
        """A table without StreamSpecification has no change stream to read."""
        with pytest.raises(InvalidParameterValueException):
            await storage.change_stream("plain")

    async def test_records_are_kept_24_hours(self, storage: TableStorage, clock: FakeClock) -> None:
        """DynamoDB Streams keeps change records 24 hours; trimming deletes older ones."""
        await storage.put_item("users", user("u1"))
        clock.advance(24 * 3600)
        assert await changes(storage, "users") == []
        assert await storage.trim() == 1


class TestConditionsAndUpdates(TableStorageContract):
    """ConditionExpression checked inside the write; UpdateExpression on nested paths."""

    async def test_failed_condition_writes_nothing(self, storage: TableStorage) -> None:
        """A false condition raises ConditionalCheckFailedException; the item and the change
        stream are as before."""
        await storage.put_item("users", user("u1", name="Ann"))
        parsed = parse_expressions(
            condition="#n = :bo", names={"#n": "name"}, values={":bo": {"S": "Bo"}}
        )
        with pytest.raises(ConditionalCheckFailedException):
            await storage.put_item("users", user("u1", name="Cy"), condition=parsed.condition)
        with pytest.raises(ConditionalCheckFailedException):
            await storage.delete_item("users", {"id": {"S": "u1"}}, condition=parsed.condition)
        assert await storage.get_item("users", {"id": {"S": "u1"}}) == user("u1", name="Ann")
        assert len(await changes(storage, "users")) == 1

    async def test_update_expression_with_condition(self, storage: TableStorage) -> None:
        """SET of a nested member and a counter under a passing condition, atomically."""
        await storage.put_item("users", {**user("u1"), "m": {"M": {"a": {"N": "1"}}}})
        parsed = parse_expressions(
            update="SET m.b = :two, hits = if_not_exists(hits, :zero) + :one",
            condition="m.a = :one",
            values={":one": {"N": "1"}, ":two": {"N": "2"}, ":zero": {"N": "0"}},
        )
        await storage.update_item(
            "users", {"id": {"S": "u1"}}, update=parsed.update, condition=parsed.condition
        )
        item = await storage.get_item("users", {"id": {"S": "u1"}})
        assert item == {
            **user("u1"),
            "m": {"M": {"a": {"N": "1"}, "b": {"N": "2"}}},
            "hits": {"N": "1"},
        }


class TestQueryAndScan(TableStorageContract):
    """Query in sort-key order and Scan, paged by Limit and ExclusiveStartKey."""

    @pytest.fixture
    async def events(self, storage: TableStorage) -> TableStorage:
        """``events`` holding a/1..a/11 (put out of order) and b/5."""
        for number in (11, 2, 10, 1, 3, 4, 5, 6, 7, 8, 9):
            await storage.put_item("events", {"pk": {"S": "a"}, "sk": {"N": str(number)}})
        await storage.put_item("events", {"pk": {"S": "b"}, "sk": {"N": "5"}})
        return storage

    async def test_query_pages_in_sort_key_order(self, events: TableStorage) -> None:
        """Numbers sort numerically; pages of Limit items follow each other without gaps."""
        parsed = parse_expressions(
            key_condition="pk = :a AND sk >= :two", values={":a": {"S": "a"}, ":two": {"N": "2"}}
        )
        assert parsed.key_condition is not None
        seen: list[str] = []
        start = None
        while True:
            options = ReadOptions(limit=4, start_key=start)
            page = await events.query("events", parsed.key_condition, options, forward=False)
            seen += [item["sk"]["N"] for item in page.items]
            start = page.last_evaluated_key
            if start is None:
                break
        assert seen == [str(number) for number in range(11, 1, -1)]

    async def test_scan_reads_every_item_once(self, events: TableStorage) -> None:
        """A paged Scan with a filter reads every item once; Count counts what passed."""
        parsed = parse_expressions(filter="pk = :b", values={":b": {"S": "b"}})
        found: list[dict[str, Any]] = []
        scanned, start = 0, None
        while True:
            options = ReadOptions(filter=parsed.filter, limit=5, start_key=start)
            page = await events.scan("events", options)
            found += page.items
            scanned += page.scanned_count
            start = page.last_evaluated_key
            if start is None:
                break
        assert (scanned, found) == (12, [{"pk": {"S": "b"}, "sk": {"N": "5"}}])
