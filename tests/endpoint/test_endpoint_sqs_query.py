"""SQS's query protocol on a running headrace: raw form posts as older SDKs and tools send
them (``Action=...``, ``AttributeName.1``, ``MessageAttribute.1.Value.StringValue``), and
XML answers."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from aiohttp import ClientSession
from endpoint_support import ACCOUNT, running_headrace
from sqs_support import SQS_CONFIG

NS = {"sqs": "http://queue.amazonaws.com/doc/2012-11-05/"}


async def post(url: str, form: dict[str, str]) -> tuple[int, ElementTree.Element]:
    """POST ``form`` as an old SDK does; the status and the parsed XML answer."""
    async with ClientSession() as http:
        answer = await http.post(f"{url}/", data={**form, "Version": "2012-11-05"})
        return answer.status, ElementTree.fromstring(await answer.read())


def texts(root: ElementTree.Element, path: str) -> list[str]:
    return [element.text or "" for element in root.iterfind(path, NS)]


async def test_query_send_receive_delete_batch_and_attributes(tmp_path: Path) -> None:
    """SendMessage with a message attribute, ReceiveMessage with every attribute,
    DeleteMessageBatch and GetQueueAttributes, all as form posts with XML answers."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        queue = f"{running.url}/{ACCOUNT}/orders"
        status, sent = await post(
            running.url,
            {
                "Action": "SendMessage",
                "QueueUrl": queue,
                "MessageBody": "hello",
                "MessageAttribute.1.Name": "kind",
                "MessageAttribute.1.Value.DataType": "String",
                "MessageAttribute.1.Value.StringValue": "order",
            },
        )
        assert status == 200
        assert texts(sent, ".//sqs:MD5OfMessageBody") == ["5d41402abc4b2a76b9719d911017c592"]
        assert len(texts(sent, ".//sqs:MessageId")) == 1
        status, got = await post(
            running.url,
            {
                "Action": "ReceiveMessage",
                "QueueUrl": queue,
                "AttributeName.1": "All",
                "MessageAttributeName.1": "All",
                "MaxNumberOfMessages": "5",
            },
        )
        assert status == 200
        assert texts(got, ".//sqs:Message/sqs:Body") == ["hello"]
        names = texts(got, ".//sqs:Message/sqs:Attribute/sqs:Name")
        assert {"ApproximateReceiveCount", "SentTimestamp", "SenderId"} <= set(names)
        assert texts(got, ".//sqs:MessageAttribute/sqs:Name") == ["kind"]
        assert texts(got, ".//sqs:MessageAttribute/sqs:Value/sqs:StringValue") == ["order"]
        (handle,) = texts(got, ".//sqs:Message/sqs:ReceiptHandle")
        status, deleted = await post(
            running.url,
            {
                "Action": "DeleteMessageBatch",
                "QueueUrl": queue,
                "DeleteMessageBatchRequestEntry.1.Id": "one",
                "DeleteMessageBatchRequestEntry.1.ReceiptHandle": handle,
                "DeleteMessageBatchRequestEntry.2.Id": "two",
                "DeleteMessageBatchRequestEntry.2.ReceiptHandle": "garbage",
            },
        )
        assert status == 200
        assert texts(deleted, ".//sqs:DeleteMessageBatchResultEntry/sqs:Id") == ["one"]
        assert texts(deleted, ".//sqs:BatchResultErrorEntry/sqs:Id") == ["two"]
        status, attributes = await post(
            running.url,
            {"Action": "GetQueueAttributes", "QueueUrl": queue, "AttributeName.1": "All"},
        )
        assert status == 200
        pairs = dict(
            zip(
                texts(attributes, ".//sqs:Attribute/sqs:Name"),
                texts(attributes, ".//sqs:Attribute/sqs:Value"),
                strict=True,
            )
        )
        assert pairs["ApproximateNumberOfMessages"] == "0"
        assert pairs["ApproximateNumberOfMessagesNotVisible"] == "0"
        assert pairs["QueueArn"] == f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders"


async def test_query_create_and_list_queues(tmp_path: Path) -> None:
    """CreateQueue with Attribute.N.Name/Value and ListQueues with a prefix, as form posts."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        status, created = await post(
            running.url,
            {
                "Action": "CreateQueue",
                "QueueName": "made",
                "Attribute.1.Name": "VisibilityTimeout",
                "Attribute.1.Value": "12",
            },
        )
        assert status == 200
        assert texts(created, ".//sqs:QueueUrl") == [f"{running.url}/{ACCOUNT}/made"]
        status, listed = await post(running.url, {"Action": "ListQueues", "QueueNamePrefix": "ma"})
        assert status == 200
        assert texts(listed, ".//sqs:QueueUrl") == [f"{running.url}/{ACCOUNT}/made"]


async def test_query_errors_carry_the_query_codes(tmp_path: Path) -> None:
    """An unknown queue answers 400 with <Code>AWS.SimpleQueueService.NonExistentQueue</Code>;
    a missing parameter is MissingParameter, naming it."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        status, error = await post(
            running.url,
            {"Action": "GetQueueUrl", "QueueName": "nope"},
        )
        assert status == 400
        assert texts(error, ".//sqs:Error/sqs:Code") == ["AWS.SimpleQueueService.NonExistentQueue"]
        assert texts(error, ".//sqs:Error/sqs:Type") == ["Sender"]
        status, missing = await post(
            running.url, {"Action": "SendMessage", "QueueUrl": f"{running.url}/{ACCOUNT}/orders"}
        )
        assert status == 400
        assert texts(missing, ".//sqs:Error/sqs:Code") == ["MissingParameter"]
        assert "MessageBody" in texts(missing, ".//sqs:Error/sqs:Message")[0]
