"""DynamoDB through the endpoint: boto3 against a running headrace, every operation served,
its error classes and pages; tables made by CreateTable persist until DeleteTable and work
with the CLI (reference: lambda-esm.md §3.3 for the change records)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from endpoint_support import call, running_headrace

from headrace.cli import main

KEYS = {
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
}
EVENTS = {
    "KeySchema": [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ],
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "N"},
    ],
}
STREAMED = {
    **KEYS,
    "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
}
CONFIG = {"tables": {"users": STREAMED, "events": EVENTS}}


def new_table(name: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"TableName": name, "BillingMode": "PAY_PER_REQUEST", **schema, **extra}


async def cli(root: Path, *args: str) -> str:
    """A `headrace` command as a user types it, beside the running App; its output."""
    argv = [*args, "--config", str(root / "headrace.yaml")]
    result = await asyncio.to_thread(CliRunner().invoke, main, argv)
    assert result.exit_code == 0, result.output
    return result.output


async def test_create_describe_list_delete_tables(tmp_path: Path) -> None:
    """CreateTable answers an ACTIVE description with the key schema and, with a
    StreamSpecification, LatestStreamArn and LatestStreamLabel; DescribeTable gives the
    same with ItemCount; ListTables lists file and API tables; DeleteTable removes it, and
    then DescribeTable is ResourceNotFoundException."""
    async with running_headrace(tmp_path, CONFIG) as running:
        ddb = running.client("dynamodb")
        spec = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
        created = (
            await call(ddb, "create_table", **new_table("orders", KEYS, StreamSpecification=spec))
        )["TableDescription"]
        assert created["TableStatus"] == "ACTIVE"
        assert created["KeySchema"] == KEYS["KeySchema"]
        assert created["StreamSpecification"] == spec
        arn = created["LatestStreamArn"]
        assert arn == (
            "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/"
            + created["LatestStreamLabel"]
        )
        await call(ddb, "put_item", TableName="orders", Item={"id": {"S": "o1"}})
        described = (await call(ddb, "describe_table", TableName="orders"))["Table"]
        assert described["ItemCount"] == 1
        assert described["LatestStreamArn"] == arn
        assert described["AttributeDefinitions"] == KEYS["AttributeDefinitions"]
        by_arn = (await call(ddb, "describe_table", TableName=created["TableArn"]))["Table"]
        assert by_arn["TableName"] == "orders"
        names = (await call(ddb, "list_tables"))["TableNames"]
        assert names == ["events", "orders", "users"]
        deleted = (await call(ddb, "delete_table", TableName="orders"))["TableDescription"]
        assert deleted["TableStatus"] == "DELETING"
        with pytest.raises(ddb.exceptions.ResourceNotFoundException):
            await call(ddb, "describe_table", TableName="orders")
        with pytest.raises(ddb.exceptions.ResourceNotFoundException):
            await call(ddb, "delete_table", TableName="orders")
        assert (await call(ddb, "list_tables"))["TableNames"] == ["events", "users"]


async def test_create_table_errors(tmp_path: Path) -> None:
    """CreateTable of an existing name (the file's too) is ResourceInUseException; a key
    schema whose keys are not defined, or a bad name, is ValidationException in
    DynamoDB's words."""
    async with running_headrace(tmp_path, CONFIG) as running:
        ddb = running.client("dynamodb")
        with pytest.raises(ddb.exceptions.ResourceInUseException, match="users"):
            await call(ddb, "create_table", **new_table("users", KEYS))
        await call(ddb, "create_table", **new_table("again", KEYS))
        with pytest.raises(ddb.exceptions.ResourceInUseException):
            await call(ddb, "create_table", **new_table("again", KEYS))
        undefined = {**KEYS, "AttributeDefinitions": [{"AttributeName": "x", "AttributeType": "S"}]}
        with pytest.raises(ddb.exceptions.ClientError, match="Some index key attributes"):
            await call(ddb, "create_table", **new_table("other", undefined))
        with pytest.raises(ddb.exceptions.ClientError, match="ValidationException"):
            await call(ddb, "create_table", **new_table("a!", KEYS))


async def test_list_tables_pages(tmp_path: Path) -> None:
    """ListTables pages by Limit with LastEvaluatedTableName / ExclusiveStartTableName, and
    boto3's paginator walks every page; a Limit over 100 is ValidationException."""
    async with running_headrace(
        tmp_path, {"tables": {n: KEYS for n in ("aaa", "bbb", "ccc")}}
    ) as r:
        ddb = r.client("dynamodb")
        first = await call(ddb, "list_tables", Limit=2)
        assert first == {**first, "TableNames": ["aaa", "bbb"], "LastEvaluatedTableName": "bbb"}
        rest = await call(ddb, "list_tables", ExclusiveStartTableName="bbb", Limit=2)
        assert rest["TableNames"] == ["ccc"]
        assert "LastEvaluatedTableName" not in rest
        pages = ddb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 1})
        walked = await asyncio.to_thread(lambda: [n for p in pages for n in p["TableNames"]])
        assert walked == ["aaa", "bbb", "ccc"]
        with pytest.raises(ddb.exceptions.ClientError, match="ValidationException"):
            await call(ddb, "list_tables", Limit=101)


async def test_put_get_update_delete_items(tmp_path: Path) -> None:
    """PutItem, GetItem (ProjectionExpression, ConsistentRead), UpdateItem
    (UpdateExpression with names and values, ReturnValues) and DeleteItem (ReturnValues)
    on a file table; binary values go in and come back as bytes."""
    async with running_headrace(tmp_path, CONFIG) as running:
        ddb = running.client("dynamodb")
        item = {
            "id": {"S": "u1"},
            "name": {"S": "Ann"},
            "blob": {"B": b"\x00\xff"},
            "tags": {"BS": [b"a", b"b"]},
            "visits": {"N": "1"},
        }
        put = await call(ddb, "put_item", TableName="users", Item=item)
        assert "Attributes" not in put
        got = await call(
            ddb, "get_item", TableName="users", Key={"id": {"S": "u1"}}, ConsistentRead=True
        )
        assert got["Item"]["blob"] == {"B": b"\x00\xff"}
        assert sorted(got["Item"]["tags"]["BS"]) == [b"a", b"b"]
        projected = await call(
            ddb,
            "get_item",
            TableName="users",
            Key={"id": {"S": "u1"}},
            ProjectionExpression="#n, visits",
            ExpressionAttributeNames={"#n": "name"},
        )
        assert projected["Item"] == {"name": {"S": "Ann"}, "visits": {"N": "1"}}
        updated = await call(
            ddb,
            "update_item",
            TableName="users",
            Key={"id": {"S": "u1"}},
            UpdateExpression="SET #n = :n, visits = visits + :one REMOVE blob",
            ExpressionAttributeNames={"#n": "name"},
            ExpressionAttributeValues={":n": {"S": "Bo"}, ":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )
        assert updated["Attributes"] == {"name": {"S": "Bo"}, "visits": {"N": "2"}}
        missing = await call(ddb, "get_item", TableName="users", Key={"id": {"S": "nope"}})
        assert "Item" not in missing
        old = await call(
            ddb, "delete_item", TableName="users", Key={"id": {"S": "u1"}}, ReturnValues="ALL_OLD"
        )
        assert old["Attributes"]["name"] == {"S": "Bo"}
        assert "Item" not in await call(ddb, "get_item", TableName="users", Key={"id": {"S": "u1"}})


async def test_conditions_fail_with_the_modelled_exception(tmp_path: Path) -> None:
    """A false ConditionExpression on PutItem, UpdateItem or DeleteItem raises boto3's
    ConditionalCheckFailedException and writes nothing."""
    async with running_headrace(tmp_path, CONFIG) as running:
        ddb = running.client("dynamodb")
        key = {"id": {"S": "u1"}}
        new_only = {"ConditionExpression": "attribute_not_exists(id)"}
        await call(ddb, "put_item", TableName="users", Item={**key, "n": {"N": "1"}}, **new_only)
        with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
            await call(
                ddb, "put_item", TableName="users", Item={**key, "n": {"N": "9"}}, **new_only
            )
        with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
            await call(
                ddb,
                "update_item",
                TableName="users",
                Key=key,
                UpdateExpression="SET n = :v",
                ConditionExpression="n > :v",
                ExpressionAttributeValues={":v": {"N": "5"}},
            )
        with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
            await call(
                ddb,
                "delete_item",
                TableName="users",
                Key=key,
                ConditionExpression="attribute_exists(gone)",
            )
        got = await call(ddb, "get_item", TableName="users", Key=key)
        assert got["Item"]["n"] == {"N": "1"}


async def test_item_errors(tmp_path: Path) -> None:
    """An unknown table is ResourceNotFoundException; a bad key, an unused placeholder, a
    malformed expression and a legacy parameter are ValidationException."""
    async with running_headrace(tmp_path, CONFIG) as running:
        ddb = running.client("dynamodb")
        with pytest.raises(ddb.exceptions.ResourceNotFoundException):
            await call(ddb, "put_item", TableName="nope", Item={"id": {"S": "x"}})
        with pytest.raises(ddb.exceptions.ClientError, match="ValidationException"):
            await call(ddb, "get_item", TableName="users", Key={"id": {"N": "1"}})
        with pytest.raises(ddb.exceptions.ClientError, match="unused in expressions"):
            await call(
                ddb,
                "update_item",
                TableName="users",
                Key={"id": {"S": "x"}},
                UpdateExpression="SET a = :a",
                ExpressionAttributeValues={":a": {"S": "1"}, ":b": {"S": "2"}},
            )
        with pytest.raises(ddb.exceptions.ClientError, match="Syntax error"):
            await call(
                ddb,
                "update_item",
                TableName="users",
                Key={"id": {"S": "x"}},
                UpdateExpression="SET",
            )
        with pytest.raises(ddb.exceptions.ClientError, match="AttributesToGet"):
            await call(
                ddb, "get_item", TableName="users", Key={"id": {"S": "x"}}, AttributesToGet=["a"]
            )


async def test_batch_write_over_tables(tmp_path: Path) -> None:
    """BatchWriteItem puts and deletes over two tables and answers UnprocessedItems {};
    more than 25 requests, or an unknown table, are refused before anything is written."""
    async with running_headrace(tmp_path, CONFIG) as running:
        ddb = running.client("dynamodb")
        await call(ddb, "put_item", TableName="users", Item={"id": {"S": "gone"}})
        out = await call(
            ddb,
            "batch_write_item",
            RequestItems={
                "users": [
                    {"PutRequest": {"Item": {"id": {"S": "u1"}}}},
                    {"DeleteRequest": {"Key": {"id": {"S": "gone"}}}},
                ],
                "events": [{"PutRequest": {"Item": {"pk": {"S": "p"}, "sk": {"N": "1"}}}}],
            },
        )
        assert out["UnprocessedItems"] == {}
        users = (await call(ddb, "scan", TableName="users"))["Items"]
        assert users == [{"id": {"S": "u1"}}]
        assert (await call(ddb, "scan", TableName="events"))["Count"] == 1
        many = [{"PutRequest": {"Item": {"id": {"S": f"x{i}"}}}} for i in range(26)]
        with pytest.raises(ddb.exceptions.ClientError, match="Too many items"):
            await call(ddb, "batch_write_item", RequestItems={"users": many})
        with pytest.raises(ddb.exceptions.ResourceNotFoundException):
            await call(
                ddb,
                "batch_write_item",
                RequestItems={"users": many[:1], "nope": many[1:2]},
            )
        assert (await call(ddb, "scan", TableName="users"))["Count"] == 1


async def test_query_conditions_filters_order_and_pages(tmp_path: Path) -> None:
    """Query reads one partition in sort-key order (ScanIndexForward false: reversed),
    with a KeyConditionExpression on the sort key, FilterExpression, ProjectionExpression,
    Select COUNT, and pages by Limit / LastEvaluatedKey / ExclusiveStartKey; boto3's
    paginator walks them. IndexName is ValidationException (no indexes)."""
    async with running_headrace(tmp_path, CONFIG) as running:
        ddb = running.client("dynamodb")
        for sk in range(1, 6):
            item = {"pk": {"S": "a"}, "sk": {"N": str(sk)}, "odd": {"BOOL": sk % 2 == 1}}
            await call(ddb, "put_item", TableName="events", Item=item)
        await call(ddb, "put_item", TableName="events", Item={"pk": {"S": "b"}, "sk": {"N": "1"}})
        base: dict[str, Any] = {
            "TableName": "events",
            "KeyConditionExpression": "pk = :p AND sk >= :low",
            "ExpressionAttributeValues": {":p": {"S": "a"}, ":low": {"N": "2"}},
        }
        out = await call(ddb, "query", **base)
        assert [i["sk"]["N"] for i in out["Items"]] == ["2", "3", "4", "5"]
        back = await call(ddb, "query", **base, ScanIndexForward=False)
        assert [i["sk"]["N"] for i in back["Items"]] == ["5", "4", "3", "2"]
        filtered = await call(
            ddb,
            "query",
            **{
                **base,
                "ExpressionAttributeValues": {
                    **base["ExpressionAttributeValues"],
                    ":t": {"BOOL": True},
                },
            },
            FilterExpression="odd = :t",
            ProjectionExpression="sk",
        )
        assert filtered["Items"] == [{"sk": {"N": "3"}}, {"sk": {"N": "5"}}]
        assert (filtered["Count"], filtered["ScannedCount"]) == (2, 4)
        counted = await call(ddb, "query", **base, Select="COUNT")
        assert counted["Count"] == 4
        assert "Items" not in counted
        first = await call(ddb, "query", **base, Limit=3)
        assert first["LastEvaluatedKey"] == {"pk": {"S": "a"}, "sk": {"N": "4"}}
        rest = await call(ddb, "query", **base, ExclusiveStartKey=first["LastEvaluatedKey"])
        assert [i["sk"]["N"] for i in rest["Items"]] == ["5"]
        pages = ddb.get_paginator("query").paginate(**base, PaginationConfig={"PageSize": 2})
        walked = await asyncio.to_thread(lambda: [i["sk"]["N"] for p in pages for i in p["Items"]])
        assert walked == ["2", "3", "4", "5"]
        with pytest.raises(ddb.exceptions.ClientError, match="specified index"):
            await call(ddb, "query", **base, IndexName="by-odd")
        with pytest.raises(ddb.exceptions.ClientError, match="KeyConditionExpression"):
            await call(ddb, "query", TableName="events")


async def test_scan_filters_pages_and_segments(tmp_path: Path) -> None:
    """Scan reads every item once: FilterExpression and Limit/ExclusiveStartKey pages
    (boto3's paginator), and over TotalSegments each item comes in exactly one segment;
    a Segment not below TotalSegments is ValidationException."""
    async with running_headrace(tmp_path, CONFIG) as running:
        ddb = running.client("dynamodb")
        for number in range(7):
            item = {"id": {"S": f"u{number}"}, "n": {"N": str(number)}}
            await call(ddb, "put_item", TableName="users", Item=item)
        pages = ddb.get_paginator("scan").paginate(
            TableName="users", PaginationConfig={"PageSize": 3}
        )
        walked = await asyncio.to_thread(lambda: [i["id"]["S"] for p in pages for i in p["Items"]])
        assert sorted(walked) == [f"u{n}" for n in range(7)]
        big = await call(
            ddb,
            "scan",
            TableName="users",
            FilterExpression="n >= :five",
            ExpressionAttributeValues={":five": {"N": "5"}},
        )
        assert sorted(i["id"]["S"] for i in big["Items"]) == ["u5", "u6"]
        assert big["ScannedCount"] == 7
        segments = [
            await call(ddb, "scan", TableName="users", Segment=s, TotalSegments=3) for s in range(3)
        ]
        assert sum(s["Count"] for s in segments) == 7
        with pytest.raises(ddb.exceptions.ClientError, match="ValidationException"):
            await call(ddb, "scan", TableName="users", Segment=3, TotalSegments=3)


async def test_api_table_writes_feed_its_change_stream(tmp_path: Path) -> None:
    """Writes to a table made by CreateTable are change records on its stream, read through
    the DynamoDB Streams API (§3.3): INSERT, MODIFY, REMOVE in order."""
    async with running_headrace(tmp_path, {}) as running:
        ddb, streams = running.client("dynamodb"), running.client("dynamodbstreams")
        created = await call(ddb, "create_table", **new_table("orders", STREAMED))
        arn = created["TableDescription"]["LatestStreamArn"]
        key = {"id": {"S": "o1"}}
        await call(ddb, "put_item", TableName="orders", Item={**key, "n": {"N": "1"}})
        await call(
            ddb,
            "update_item",
            TableName="orders",
            Key=key,
            UpdateExpression="SET n = :two",
            ExpressionAttributeValues={":two": {"N": "2"}},
        )
        await call(ddb, "delete_item", TableName="orders", Key=key)
        listed = (await call(streams, "list_streams", TableName="orders"))["Streams"]
        assert [s["StreamArn"] for s in listed] == [arn]
        described = (await call(streams, "describe_stream", StreamArn=arn))["StreamDescription"]
        assert described["KeySchema"] == KEYS["KeySchema"]
        shard = described["Shards"][0]["ShardId"]
        iterator = (
            await call(
                streams,
                "get_shard_iterator",
                StreamArn=arn,
                ShardId=shard,
                ShardIteratorType="TRIM_HORIZON",
            )
        )["ShardIterator"]
        records = (await call(streams, "get_records", ShardIterator=iterator))["Records"]
        assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
        assert records[1]["dynamodb"]["NewImage"]["n"] == {"N": "2"}


async def test_api_tables_survive_a_restart_and_work_with_the_cli(tmp_path: Path) -> None:
    """A table made by CreateTable is there after a restart with its items and stream ARN,
    `headrace table put|get` work on it and `headrace status --json` lists it; after
    DeleteTable it is gone at the next start too, while a file table comes back."""
    async with running_headrace(tmp_path, CONFIG) as running:
        ddb = running.client("dynamodb")
        created = await call(ddb, "create_table", **new_table("orders", STREAMED))
        arn = created["TableDescription"]["LatestStreamArn"]
        await call(ddb, "put_item", TableName="orders", Item={"id": {"S": "o1"}})
        await cli(tmp_path, "table", "put", "orders", '{"id": "o2", "n": 2}')
        got = await cli(tmp_path, "table", "get", "orders", '{"id": "o1"}')
        assert json.loads(got) == {"id": "o1"}
        await call(ddb, "delete_table", TableName="users")
    status = json.loads(await cli(tmp_path, "status", "--json"))
    assert status["Tables"]["orders"]["LatestStreamArn"] == arn
    assert status["Tables"]["orders"]["ItemCount"] == 2
    async with running_headrace(tmp_path, CONFIG) as running:
        ddb = running.client("dynamodb")
        described = (await call(ddb, "describe_table", TableName="orders"))["Table"]
        assert (described["ItemCount"], described["LatestStreamArn"]) == (2, arn)
        got = await call(ddb, "get_item", TableName="orders", Key={"id": {"S": "o2"}})
        assert got["Item"]["n"] == {"N": "2"}
        assert (await call(ddb, "list_tables"))["TableNames"] == ["events", "orders", "users"]
        await call(ddb, "delete_table", TableName="orders")
    async with running_headrace(tmp_path, CONFIG) as running:
        ddb = running.client("dynamodb")
        assert (await call(ddb, "list_tables"))["TableNames"] == ["events", "users"]
