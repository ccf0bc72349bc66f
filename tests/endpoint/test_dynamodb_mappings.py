"""Tables made by CreateTable are event sources like the file's: a mapping made through
the Lambda API on an API-made table's stream delivers its change records (§3.3), again
after a restart; and an existing app, written only against boto3 with AWS_ENDPOINT_URL,
feeds a file-declared mapping end to end."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from endpoint_support import running_headrace
from lambda_support import call, logged, project, settled, wait_for

STREAMED = {
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
}


def new_images(root: Path) -> list[Any]:
    """The NewImage of every DynamoDB record the handler logged, in order."""
    return [
        r["dynamodb"]["NewImage"] for r in logged(root) if isinstance(r, dict) and "dynamodb" in r
    ]


async def test_mapping_on_an_api_made_table_delivers_its_records(tmp_path: Path) -> None:
    """§3.3: CreateEventSourceMapping on the stream ARN of a table CreateTable made is
    accepted (not §1.6.12's "Stream not found") and delivers its writes in order; after a
    restart the stored mapping is created again on the still-existing table and delivers
    the next write. A table that does not exist is still not found."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        ddb, lam = running.client("dynamodb"), running.client("lambda")
        created = await call(ddb.create_table, TableName="orders", **STREAMED)
        stream_arn = created["TableDescription"]["LatestStreamArn"]
        mapping = await call(
            lam.create_event_source_mapping,
            FunctionName="fn",
            EventSourceArn=stream_arn,
            StartingPosition="TRIM_HORIZON",
        )
        await settled(lam, mapping["UUID"])
        for number in (1, 2):
            await call(ddb.put_item, TableName="orders", Item={"id": {"S": f"o{number}"}})
        await wait_for(lambda: len(new_images(tmp_path)) == 2, "two records delivered")
        assert new_images(tmp_path) == [{"id": {"S": "o1"}}, {"id": {"S": "o2"}}]
        with pytest.raises(lam.exceptions.InvalidParameterValueException, match="not found"):
            await call(
                lam.create_event_source_mapping,
                FunctionName="fn",
                EventSourceArn=stream_arn.replace("table/orders", "table/nothing"),
                StartingPosition="TRIM_HORIZON",
            )
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        ddb, lam = running.client("dynamodb"), running.client("lambda")
        await settled(lam, mapping["UUID"])
        await call(ddb.put_item, TableName="orders", Item={"id": {"S": "o3"}})
        await wait_for(lambda: len(new_images(tmp_path)) == 3, "the third record delivered")
        assert new_images(tmp_path)[-1] == {"id": {"S": "o3"}}


# An app as its authors wrote it: boto3 only, no endpoint in the code (AWS_ENDPOINT_URL in
# its environment points it at headrace), creating nothing the file declares.
PRODUCER = """
import boto3

table = boto3.resource("dynamodb", region_name="us-east-1").Table("orders")
for number in range(5):
    table.put_item(Item={"id": f"o{number}", "total": number * 10})
table.update_item(
    Key={"id": "o0"},
    UpdateExpression="SET #s = :s",
    ExpressionAttributeNames={"#s": "status"},
    ExpressionAttributeValues={":s": "paid"},
)
with table.batch_writer() as batch:
    batch.delete_item(Key={"id": "o4"})
sqs = boto3.client("sqs", region_name="us-east-1")
url = sqs.get_queue_url(QueueName="orders")["QueueUrl"]
sqs.send_message_batch(
    QueueUrl=url,
    Entries=[{"Id": str(n), "MessageBody": f"order o{n} placed"} for n in range(5)],
)
print("produced")
"""


async def test_an_existing_boto3_app_feeds_a_file_mapping(tmp_path: Path) -> None:
    """Issue 10's existing app: a producer using only boto3 (DynamoDB's resource API and
    SQS's client), pointed at the endpoint by AWS_ENDPOINT_URL, writes a table and sends to
    a queue the file declares; the file's mapping on the table's stream delivers every
    change to the handler in order (§3.3: INSERTs, the MODIFY with the new attribute, the
    REMOVE), and its mapping on the queue delivers every message and deletes it."""
    config = project(tmp_path)
    config["tables"]["orders"] = {
        key: value for key, value in STREAMED.items() if key != "StreamSpecification"
    } | {"StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"}}
    config["event_source_mappings"] = [
        {
            "FunctionName": "fn",
            "EventSourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/orders",
            "StartingPosition": "TRIM_HORIZON",
        },
        {
            "FunctionName": "fn",
            "EventSourceArn": "arn:aws:sqs:us-east-1:000000000000:orders",
        },
    ]
    (tmp_path / "producer.py").write_text(PRODUCER)
    async with running_headrace(tmp_path, config) as running:
        env = {
            **os.environ,
            "AWS_ENDPOINT_URL": running.url,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
        }
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, str(tmp_path / "producer.py")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "produced"

        def events() -> list[tuple[str, str]]:
            return [
                (r["eventName"], r["dynamodb"]["Keys"]["id"]["S"])
                for r in logged(tmp_path)
                if isinstance(r, dict) and "eventName" in r
            ]

        def bodies() -> list[str]:
            return sorted(r for r in logged(tmp_path) if isinstance(r, str))

        await wait_for(lambda: len(events()) == 7, "seven change records")
        await wait_for(lambda: len(bodies()) == 5, "five queue messages")
        sqs = running.client("sqs")

        def left() -> dict[str, str]:
            url = sqs.get_queue_url(QueueName="orders")["QueueUrl"]
            names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]

        empty = {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}
        for _ in range(500):
            if await asyncio.to_thread(left) == empty:
                break
            await asyncio.sleep(0.02)
        assert await asyncio.to_thread(left) == empty
    assert bodies() == [f"order o{n} placed" for n in range(5)]
    assert events() == [
        *[("INSERT", f"o{number}") for number in range(5)],
        ("MODIFY", "o0"),
        ("REMOVE", "o4"),
    ]
    modify = [r for r in logged(tmp_path) if isinstance(r, dict) and r.get("eventName") == "MODIFY"]
    assert modify[0]["dynamodb"]["NewImage"]["status"] == {"S": "paid"}
    assert modify[0]["dynamodb"]["OldImage"]["total"] == {"N": "0"}
