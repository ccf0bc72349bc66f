"""Every served operation against botocore's own service model (issue 10, Tests).

For each operation a served service answers, a request built by boto3 from the model (boto3
validates it against the input shape) is accepted, and the raw answer conforms to the
model's output shape: every member the endpoint sends is one the model names, with the
model's JSON type — checked on the raw body, before boto3's parser could drop an unknown
member. A service that gains an operation without an example here fails
``test_every_served_operation_has_an_example``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.model import Shape
from endpoint_support import call, running_headrace

from headrace.api.aws.service_models import operation_model
from headrace.api.aws.service_table import SERVICE_MODULES

pytestmark = pytest.mark.timeout(120)

HANDLER = "def handle(event, context):\n    return {'ok': True}\n"
QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:orders"
Context = dict[str, Any]
# (service, operation, params built from what earlier steps answered), in the order run.
Step = tuple[str, str, Callable[[Context], dict[str, Any]]]

STEPS: list[Step] = [
    # Lambda
    ("lambda", "ListFunctions", lambda c: {}),
    ("lambda", "GetFunction", lambda c: {"FunctionName": "fn"}),
    ("lambda", "Invoke", lambda c: {"FunctionName": "fn", "Payload": b"{}"}),
    (
        "lambda",
        "CreateEventSourceMapping",
        lambda c: {"FunctionName": "fn", "EventSourceArn": QUEUE_ARN, "Enabled": False},
    ),
    ("lambda", "GetEventSourceMapping", lambda c: {"UUID": c["CreateEventSourceMapping"]["UUID"]}),
    ("lambda", "ListEventSourceMappings", lambda c: {"FunctionName": "fn"}),
    (
        "lambda",
        "UpdateEventSourceMapping",
        lambda c: {"UUID": c["CreateEventSourceMapping"]["UUID"], "BatchSize": 5},
    ),
    (
        "lambda",
        "DeleteEventSourceMapping",
        lambda c: {"UUID": c["CreateEventSourceMapping"]["UUID"]},
    ),
    # SQS
    ("sqs", "CreateQueue", lambda c: {"QueueName": "made", "Attributes": {"DelaySeconds": "0"}}),
    ("sqs", "GetQueueUrl", lambda c: {"QueueName": "made"}),
    ("sqs", "ListQueues", lambda c: {"MaxResults": 10}),
    (
        "sqs",
        "SetQueueAttributes",
        lambda c: {"QueueUrl": c["GetQueueUrl"]["QueueUrl"], "Attributes": {"DelaySeconds": "0"}},
    ),
    (
        "sqs",
        "GetQueueAttributes",
        lambda c: {"QueueUrl": c["GetQueueUrl"]["QueueUrl"], "AttributeNames": ["All"]},
    ),
    (
        "sqs",
        "SendMessage",
        lambda c: {
            "QueueUrl": c["GetQueueUrl"]["QueueUrl"],
            "MessageBody": "one",
            "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "a"}},
        },
    ),
    (
        "sqs",
        "SendMessageBatch",
        lambda c: {
            "QueueUrl": c["GetQueueUrl"]["QueueUrl"],
            "Entries": [{"Id": "a", "MessageBody": "two"}, {"Id": "b", "MessageBody": "three"}],
        },
    ),
    (
        "sqs",
        "ReceiveMessage",
        lambda c: {
            "QueueUrl": c["GetQueueUrl"]["QueueUrl"],
            "MaxNumberOfMessages": 10,
            "MessageSystemAttributeNames": ["All"],
            "MessageAttributeNames": ["All"],
        },
    ),
    (
        "sqs",
        "ChangeMessageVisibility",
        lambda c: {
            "QueueUrl": c["GetQueueUrl"]["QueueUrl"],
            "ReceiptHandle": c["ReceiveMessage"]["Messages"][0]["ReceiptHandle"],
            "VisibilityTimeout": 60,
        },
    ),
    (
        "sqs",
        "ChangeMessageVisibilityBatch",
        lambda c: {
            "QueueUrl": c["GetQueueUrl"]["QueueUrl"],
            "Entries": [
                {"Id": f"v{i}", "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 60}
                for i, m in enumerate(c["ReceiveMessage"]["Messages"][1:])
            ]
            + [{"Id": "bad", "ReceiptHandle": "not-a-handle", "VisibilityTimeout": 1}],
        },
    ),
    (
        "sqs",
        "DeleteMessage",
        lambda c: {
            "QueueUrl": c["GetQueueUrl"]["QueueUrl"],
            "ReceiptHandle": c["ReceiveMessage"]["Messages"][0]["ReceiptHandle"],
        },
    ),
    (
        "sqs",
        "DeleteMessageBatch",
        lambda c: {
            "QueueUrl": c["GetQueueUrl"]["QueueUrl"],
            "Entries": [
                {"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(c["ReceiveMessage"]["Messages"][1:])
            ],
        },
    ),
    ("sqs", "PurgeQueue", lambda c: {"QueueUrl": c["GetQueueUrl"]["QueueUrl"]}),
    ("sqs", "DeleteQueue", lambda c: {"QueueUrl": c["GetQueueUrl"]["QueueUrl"]}),
    # Kinesis
    ("kinesis", "CreateStream", lambda c: {"StreamName": "made", "ShardCount": 1}),
    ("kinesis", "ListStreams", lambda c: {}),
    ("kinesis", "DescribeStream", lambda c: {"StreamName": "made"}),
    ("kinesis", "DescribeStreamSummary", lambda c: {"StreamName": "made"}),
    ("kinesis", "ListShards", lambda c: {"StreamName": "made"}),
    ("kinesis", "PutRecord", lambda c: {"StreamName": "made", "Data": b"1", "PartitionKey": "k"}),
    (
        "kinesis",
        "PutRecords",
        lambda c: {"StreamName": "made", "Records": [{"Data": b"2", "PartitionKey": "k"}]},
    ),
    (
        "kinesis",
        "GetShardIterator",
        lambda c: {
            "StreamName": "made",
            "ShardId": c["ListShards"]["Shards"][0]["ShardId"],
            "ShardIteratorType": "TRIM_HORIZON",
        },
    ),
    ("kinesis", "GetRecords", lambda c: {"ShardIterator": c["GetShardIterator"]["ShardIterator"]}),
    ("kinesis", "DeleteStream", lambda c: {"StreamName": "made"}),
    # DynamoDB
    (
        "dynamodb",
        "CreateTable",
        lambda c: {
            "TableName": "made",
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        },
    ),
    ("dynamodb", "DescribeTable", lambda c: {"TableName": "made"}),
    ("dynamodb", "ListTables", lambda c: {"Limit": 10}),
    (
        "dynamodb",
        "PutItem",
        lambda c: {
            "TableName": "made",
            "Item": {"pk": {"S": "a"}, "sk": {"N": "1"}, "blob": {"B": b"\x00\x01"}},
            "ReturnValues": "ALL_OLD",
        },
    ),
    (
        "dynamodb",
        "GetItem",
        lambda c: {"TableName": "made", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}},
    ),
    (
        "dynamodb",
        "UpdateItem",
        lambda c: {
            "TableName": "made",
            "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}},
            "UpdateExpression": "SET #n = if_not_exists(#n, :zero) + :one",
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeNames": {"#n": "count"},
            "ExpressionAttributeValues": {":zero": {"N": "0"}, ":one": {"N": "1"}},
            "ReturnValues": "ALL_NEW",
        },
    ),
    (
        "dynamodb",
        "BatchWriteItem",
        lambda c: {
            "RequestItems": {
                "made": [
                    {"PutRequest": {"Item": {"pk": {"S": "a"}, "sk": {"N": str(i)}}}}
                    for i in range(2, 5)
                ]
            }
        },
    ),
    (
        "dynamodb",
        "Query",
        lambda c: {
            "TableName": "made",
            "KeyConditionExpression": "pk = :p AND sk > :s",
            "ExpressionAttributeValues": {":p": {"S": "a"}, ":s": {"N": "1"}},
            "ScanIndexForward": False,
            "Limit": 2,
        },
    ),
    ("dynamodb", "Scan", lambda c: {"TableName": "made", "ProjectionExpression": "pk, sk"}),
    (
        "dynamodb",
        "DeleteItem",
        lambda c: {
            "TableName": "made",
            "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}},
            "ReturnValues": "ALL_OLD",
        },
    ),
    ("dynamodb", "DeleteTable", lambda c: {"TableName": "made"}),
    # DynamoDB Streams (the file's table "items" has a stream)
    ("dynamodbstreams", "ListStreams", lambda c: {"TableName": "items"}),
    (
        "dynamodbstreams",
        "DescribeStream",
        lambda c: {"StreamArn": c["dynamodbstreams.ListStreams"]["Streams"][0]["StreamArn"]},
    ),
    (
        "dynamodbstreams",
        "GetShardIterator",
        lambda c: {
            "StreamArn": c["dynamodbstreams.ListStreams"]["Streams"][0]["StreamArn"],
            "ShardId": c["dynamodbstreams.DescribeStream"]["StreamDescription"]["Shards"][0][
                "ShardId"
            ],
            "ShardIteratorType": "TRIM_HORIZON",
        },
    ),
    (
        "dynamodbstreams",
        "GetRecords",
        lambda c: {"ShardIterator": c["dynamodbstreams.GetShardIterator"]["ShardIterator"]},
    ),
]


def served() -> dict[str, list[str]]:
    """Every served service's operations, from the services themselves."""
    import importlib

    found: dict[str, list[str]] = {}
    for name in SERVICE_MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and "service_name" in vars(value):
                instance = value.__new__(value)
                found[value.service_name] = instance.supported_operations()
    return found


def test_every_served_operation_has_an_example() -> None:
    """The examples cover exactly what is served: nothing served goes unchecked."""
    covered = {(service, operation) for service, operation, _ in STEPS}
    missing = [
        f"{service}.{operation}"
        for service, operations in served().items()
        for operation in operations
        if (service, operation) not in covered
    ]
    assert missing == []


def conformance_problems(shape: Shape | None, value: Any, path: str = "") -> list[str]:
    """Where a raw JSON value departs from ``shape`` (unknown members, wrong JSON types)."""
    if shape is None:
        return [] if value in (None, {}) else [f"{path or 'body'}: the model has no output"]
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected an object"]
        problems = []
        for key, item in value.items():
            member = shape.members.get(key)
            if member is None:
                problems.append(f"{path}.{key}: not a member of {shape.name}")
            else:
                problems += conformance_problems(member, item, f"{path}.{key}")
        return problems
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        return [
            p
            for i, v in enumerate(value)
            for p in conformance_problems(shape.member, v, f"{path}[{i}]")
        ]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected a map"]
        return [
            p for k, v in value.items() for p in conformance_problems(shape.value, v, f"{path}.{k}")
        ]
    expected: dict[str, tuple[type, ...]] = {
        "string": (str,),
        "integer": (int,),
        "long": (int,),
        "double": (int, float),
        "float": (int, float),
        "boolean": (bool,),
        "blob": (str,),
        "timestamp": (int, float, str),
    }
    types = expected.get(kind, (object,))
    wrong = not isinstance(value, types) or (kind != "boolean" and isinstance(value, bool))
    return [f"{path}: {type(value).__name__} is not a {kind}"] if wrong else []


def body_members(service: str, operation: str) -> Shape | None:
    """The output shape as the body carries it (REST: without header/status/payload members)."""
    model = operation_model(service, operation)
    assert model is not None
    return model.output_shape


async def test_served_operations_conform_to_the_model(tmp_path: Path) -> None:
    """Each example's request is accepted and its raw answer conforms to the output shape."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "h.py").write_text(HANDLER)
    config = {
        "queues": {"orders": {}},
        "streams": {"clicks": {"ShardCount": 1}},
        "tables": {
            "items": {
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
            }
        },
        "functions": {"fn": {"Handler": "h.handle", "CodeUri": "./src", "Timeout": 5}},
    }
    served_now = served()
    async with running_headrace(tmp_path, config) as running:
        raw: dict[str, bytes] = {}

        def keep_raw(response_dict: dict[str, Any], operation_model: Any, **_: Any) -> None:
            raw[operation_model.name] = response_dict["body"]

        clients: dict[str, Any] = {}
        context: Context = {}
        problems: list[str] = []
        for service, operation, params in STEPS:
            if operation not in served_now.get(service, []):
                continue
            if service not in clients:
                clients[service] = running.client(service)
                clients[service].meta.events.register("before-parse", keep_raw)
            from botocore import xform_name

            answer = await call(clients[service], xform_name(operation), **params(context))
            context[operation] = context[f"{service}.{operation}"] = answer
            body = raw[operation]
            model = operation_model(service, operation)
            assert model is not None
            if model.output_shape is None or model.output_shape.serialization.get("payload"):
                continue
            document = json.loads(body) if body.strip() else {}
            problems += [
                f"{service}.{operation}{p}"
                for p in conformance_problems(model.output_shape, document)
            ]
        assert problems == []
