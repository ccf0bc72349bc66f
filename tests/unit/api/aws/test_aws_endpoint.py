"""The AWS wire protocols and routing, checked with boto3 itself against stand-in services.

boto3 builds requests from the same botocore models the endpoint decodes with, and parses
the answers (and raises its modelled exception classes) the way it does against AWS, so a
round trip through boto3 shows the endpoint speaks each protocol as AWS does.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import boto3
import pytest
from aiohttp import ClientSession, web
from botocore.config import Config as BotoConfig

from headrace.api.aws.aws_call import AwsCall, AwsService
from headrace.api.aws.aws_endpoint import AwsEndpoint
from headrace.errors import QueueDoesNotExist, ResourceNotFoundException


class StandInSqs(AwsService):
    service_name = "sqs"

    def __init__(self) -> None:
        self.calls: list[AwsCall] = []

    async def get_queue_url(self, call: AwsCall) -> dict[str, Any]:
        self.calls.append(call)
        if call.params["QueueName"] != "orders":
            raise QueueDoesNotExist("The specified queue does not exist.")
        return {"QueueUrl": f"http://{call.host}/000000000000/orders"}

    async def send_message_batch(self, call: AwsCall) -> dict[str, Any]:
        self.calls.append(call)
        entries = call.params["Entries"]
        return {
            "Successful": [
                {"Id": e["Id"], "MessageId": f"m-{e['Id']}", "MD5OfMessageBody": "x"}
                for e in entries
            ],
            "Failed": [],
        }

    async def receive_message(self, call: AwsCall) -> dict[str, Any]:
        return {
            "Messages": [
                {
                    "MessageId": "m-1",
                    "ReceiptHandle": "r-1",
                    "Body": "<hello & goodbye>",
                    "Attributes": {"ApproximateReceiveCount": "2"},
                    "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "order"}},
                }
            ]
        }


class StandInLambda(AwsService):
    service_name = "lambda"

    async def get_function(self, call: AwsCall) -> dict[str, Any]:
        raise ResourceNotFoundException(f"Function not found: {call.params['FunctionName']}")

    async def create_event_source_mapping(self, call: AwsCall) -> dict[str, Any]:
        return {
            "UUID": "u-1",
            "FunctionArn": call.params["FunctionName"],
            "BatchSize": call.params.get("BatchSize", 10),
            "State": "Creating",
            "LastModified": dt.datetime(2026, 12, 7, tzinfo=dt.UTC),
        }

    async def list_event_source_mappings(self, call: AwsCall) -> dict[str, Any]:
        return {"EventSourceMappings": [], "NextMarker": f"after-{call.params.get('Marker')}"}

    async def invoke(self, call: AwsCall) -> dict[str, Any]:
        return {
            "StatusCode": 200,
            "FunctionError": "Unhandled",
            "Payload": call.params["Payload"][::-1],
        }


class Broken(AwsService):
    service_name = "kinesis"

    async def list_streams(self, call: AwsCall) -> dict[str, Any]:
        raise RuntimeError("a bug in a service")


@pytest.fixture
async def endpoint() -> AsyncIterator[tuple[str, StandInSqs]]:
    sqs = StandInSqs()
    aws = AwsEndpoint([sqs, StandInLambda(), Broken()])
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", aws.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", sqs
    finally:
        await runner.cleanup()


def client(service: str, url: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=BotoConfig(retries={"max_attempts": 1}),
    )


async def test_sqs_json_round_trip_and_modelled_error(
    endpoint: tuple[str, StandInSqs],
) -> None:
    """boto3's SQS (JSON protocol) gets its answer, and a QueueDoesNotExist error is raised
    as boto3's own modelled exception class (the x-amzn-query-error header names it)."""
    url, sqs = endpoint
    sqs_client = client("sqs", url)
    found = await asyncio.to_thread(sqs_client.get_queue_url, QueueName="orders")
    assert found["QueueUrl"].endswith("/000000000000/orders")
    assert sqs.calls[0].host == url.removeprefix("http://")
    with pytest.raises(sqs_client.exceptions.QueueDoesNotExist) as raised:
        await asyncio.to_thread(sqs_client.get_queue_url, QueueName="nope")
    assert raised.value.response["Error"]["Message"] == "The specified queue does not exist."
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


async def test_sqs_batch_entries_are_decoded_as_the_model_says(
    endpoint: tuple[str, StandInSqs],
) -> None:
    """A list of structures arrives as a list of dicts; the answer's lists come back."""
    url, sqs = endpoint
    answer = await asyncio.to_thread(
        client("sqs", url).send_message_batch,
        QueueUrl=f"{url}/000000000000/orders",
        Entries=[{"Id": "a", "MessageBody": "1"}, {"Id": "b", "MessageBody": "2"}],
    )
    assert [s["MessageId"] for s in answer["Successful"]] == ["m-a", "m-b"]
    assert sqs.calls[-1].params["Entries"][1] == {"Id": "b", "MessageBody": "2"}


async def test_a_missing_required_member_is_a_validation_error(
    endpoint: tuple[str, StandInSqs],
) -> None:
    """A request without a required member is a 400 in AWS's words, not a KeyError."""
    url, _ = endpoint
    async with ClientSession() as http:
        answer = await http.post(
            url,
            data=b"{}",
            headers={
                "X-Amz-Target": "AmazonSQS.GetQueueUrl",
                "Content-Type": "application/x-amz-json-1.0",
            },
        )
        body = await answer.json(content_type=None)
    assert answer.status == 400
    assert "Value null at 'queueName'" in body["message"]


async def test_sqs_query_protocol_decodes_forms_and_answers_xml(
    endpoint: tuple[str, StandInSqs],
) -> None:
    """Older SDKs' query requests: flattened entries decode; the answer is SQS's XML,
    with the body escaped and maps as Name/Value pairs; errors use the query code."""
    url, sqs = endpoint
    form = {
        "Action": "SendMessageBatch",
        "QueueUrl": f"{url}/000000000000/orders",
        "SendMessageBatchRequestEntry.1.Id": "a",
        "SendMessageBatchRequestEntry.1.MessageBody": "one",
        "SendMessageBatchRequestEntry.1.MessageAttribute.1.Name": "kind",
        "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType": "String",
        "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue": "order",
        "SendMessageBatchRequestEntry.2.Id": "b",
        "SendMessageBatchRequestEntry.2.MessageBody": "two",
    }
    async with ClientSession() as http:
        sent = await http.post(url, data=form)
        sent_xml = await sent.text()
        received = await http.post(url, data={"Action": "ReceiveMessage", "QueueUrl": "q"})
        received_xml = await received.text()
        missing = await http.post(url, data={"Action": "GetQueueUrl", "QueueName": "nope"})
        missing_xml = await missing.text()
    assert sent.status == 200
    (batch,) = [c for c in sqs.calls if c.operation == "SendMessageBatch"]
    entries = batch.params["Entries"]
    assert entries[0]["MessageAttributes"] == {
        "kind": {"DataType": "String", "StringValue": "order"}
    }
    assert [e["Id"] for e in entries] == ["a", "b"]
    assert "<SendMessageBatchResultEntry><Id>a</Id><MessageId>m-a</MessageId>" in sent_xml
    assert "<Body>&lt;hello &amp; goodbye&gt;</Body>" in received_xml
    assert "<Attribute><Name>ApproximateReceiveCount</Name><Value>2</Value></Attribute>" in (
        received_xml
    )
    assert "<MessageAttribute><Name>kind</Name><Value><StringValue>order</StringValue>" in (
        received_xml
    )
    assert missing.status == 400
    assert "<Code>AWS.SimpleQueueService.NonExistentQueue</Code>" in missing_xml


async def test_lambda_rest_paths_statuses_headers_and_errors(
    endpoint: tuple[str, StandInSqs],
) -> None:
    """Lambda's REST operations: 202 from the model, a 404 modelled error, query-string
    members, a raw payload in and out, and X-Amz-Function-Error as a header."""
    url, _ = endpoint
    lam = client("lambda", url)
    created = await asyncio.to_thread(
        lam.create_event_source_mapping,
        FunctionName="f",
        EventSourceArn="arn:aws:sqs:us-east-1:000000000000:orders",
        BatchSize=5,
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert created["BatchSize"] == 5
    assert created["LastModified"] == dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    listed = await asyncio.to_thread(lam.list_event_source_mappings, Marker="m1", MaxItems=3)
    assert listed["NextMarker"] == "after-m1"
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        await asyncio.to_thread(lam.get_function, FunctionName="nope")
    invoked = await asyncio.to_thread(lam.invoke, FunctionName="f", Payload=b'{"a": 1}')
    assert invoked["FunctionError"] == "Unhandled"
    assert invoked["Payload"].read() == b'}1 :"a"{'


async def test_unknown_operations_and_bugs_are_aws_errors_not_crashes(
    endpoint: tuple[str, StandInSqs],
) -> None:
    """An operation no service serves is a 400 UnknownOperationException; a failure inside
    a service is a 500 InternalFailure in the service's error shape; nothing is a dropped
    connection."""
    url, _ = endpoint
    sqs_client = client("sqs", url)
    with pytest.raises(sqs_client.exceptions.ClientError) as unknown:
        await asyncio.to_thread(sqs_client.list_queues)
    assert unknown.value.response["Error"]["Code"] == "UnknownOperationException"
    kinesis = client("kinesis", url)
    with pytest.raises(kinesis.exceptions.ClientError) as broken:
        await asyncio.to_thread(kinesis.list_streams)
    assert broken.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert broken.value.response["Error"]["Code"] == "InternalFailure"
    async with ClientSession() as http:
        nowhere = await http.get(f"{url}/no/such/path")
        garbage = await http.post(
            url,
            data=b"{not json",
            headers={"X-Amz-Target": "AmazonSQS.GetQueueUrl"},
        )
    assert nowhere.status == 400
    assert garbage.status == 400
