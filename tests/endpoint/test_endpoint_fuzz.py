"""Fuzz against a running headrace with its real services (issue 10: "a malformed request is
a 400 with AWS's error shape, never a 500 or a crash"; "nothing stored is damaged").

Requests are built from botocore's models of the real operations, their members filled with
values of the right type, of the wrong type, out of range, or aimed at resources that do not
exist (bad base64, unknown queue URLs, malformed DynamoDB expressions, bad shard iterators,
bad UUIDs, SQS query forms). Every answer must be below 500, the run must stay up, and
afterwards what was stored before the fuzz — in resources the fuzz never names — is intact.
tests/unit/api/aws/test_wire_fuzz.py fuzzes the wire layer alone with stand-in services.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
from botocore import xform_name
from botocore.model import Shape
from endpoint_support import ACCOUNT, Running, call, running_headrace
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headrace.api.aws.aws_call import AwsService
from headrace.api.aws.dynamodb_service import DynamoDbService
from headrace.api.aws.dynamodb_streams_service import DynamoDbStreamsService
from headrace.api.aws.kinesis_service import KinesisService
from headrace.api.aws.service_models import service_model
from headrace.api.aws.sqs_service import SqsService

pytestmark = pytest.mark.timeout(180)

# HEADRACE_FUZZ_EXAMPLES=5000 hunts longer, with a new random seed each run; by default
# each test is a fixed set of examples (the same every run).
EXAMPLES = os.environ.get("HEADRACE_FUZZ_EXAMPLES")
FUZZ = settings(
    max_examples=int(EXAMPLES or 800),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=EXAMPLES is None,
)
ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}"
KEYS = {
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
}
STREAMED = {**KEYS, "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}}
# "guard*" resources are never named by the fuzz: they must come out as they went in.
# "fuzz*" resources are the fuzz's to read, change and delete.
CONFIG: dict[str, Any] = {
    "functions": {"fn": {"Handler": "h.handle", "CodeUri": "./src", "Timeout": 3}},
    "queues": {"guard": {}, "guard-mapped": {}, "fuzz": {}, "fuzz.fifo": {"FifoQueue": True}},
    "streams": {"guard-stream": {"ShardCount": 1}, "fuzz-stream": {"ShardCount": 2}},
    "tables": {"guard-table": STREAMED, "fuzz-table": STREAMED},
    "event_source_mappings": [
        {"FunctionName": "fn", "EventSourceArn": f"{ARN}:guard-mapped", "Enabled": False},
        {"FunctionName": "fn", "EventSourceArn": f"{ARN}:fuzz", "Enabled": False},
    ],
}
HANDLER = "def handle(event, context):\n    return {'echo': event}\n"
GUARD_ITEM = {"pk": {"S": "kept"}, "n": {"N": "42"}, "tags": {"SS": ["a", "b"]}}

JUNK_STRINGS = ["", " ", "\x00", "é☃", "%00", "../../etc", "a" * 300, "null", "-1", "1e999"]
NUMBERS = [-1, 0, 1, 10, 11, 2**31, 2**63, -(2**63) - 1, 10**30, 1.5, 1e308, -0.0]
BAD_BASE64 = ["!!!", "a", "YQ", "====", "aGVsbG8=", base64.b64encode(b"\xff" * 40).decode()]
EXPRESSIONS = [
    "",
    "#",
    ":",
    "pk = ",
    "pk = :v",
    "#n = :v",
    "#missing = :v",
    "pk = :missing",
    "SET",
    "SET a = :v",
    "SET #n = :v, #n = :v",
    "SET a = a + :v",
    "SET a = list_append(a, :v)",
    "SET a = if_not_exists(a, :v)",
    "SET a = if_not_exists(",
    "SET a[99999999999999999999] = :v",
    "SET a.b[1].c = :v",
    "REMOVE a[2], b",
    "REMOVE pk",
    "ADD n :v",
    "DELETE tags :v",
    "SET pk = :v",
    "attribute_exists(pk)",
    "attribute_not_exists(",
    "attribute_type(a, :v)",
    "begins_with(pk, :v)",
    "contains(tags, :v)",
    "size(a) > :v",
    "a BETWEEN :v AND",
    "a IN ()",
    "a IN (:v, :v, :v)",
    "NOT NOT NOT a",
    "((((((((((a = :v))))))))))",
    "(" * 200 + "a" + ")" * 200,
    "a <> :v OR b >= :v AND NOT c < :v",
    "pk = :v AND begins_with(sk, :v)",
    "a, b.c, d[0]",
    "#n.#n[0]",
    "SET a = :v REMOVE a",
    "é = :v",
]


@dataclass
class Targets:
    """What the fuzz may name: live fuzz resources, dead ones and junk."""

    queue_url: str
    shard_iterator: str
    stream_arn: str
    table_stream_arn: str
    mapping_uuid: str


def pools(t: Targets) -> dict[str, list[Any]]:
    """Interesting values per member name (besides junk of every type)."""
    iterator_junk = base64.b64encode(b'{"stream": "fuzz-stream"}').decode()
    return {
        "QueueUrl": [t.queue_url, t.queue_url + "x", f"http://127.0.0.1:1/{ACCOUNT}/nope", "q"],
        "QueueName": ["fuzz", "fuzz.fifo", "fuzz-new", "bad name!", "x" * 81, "n.fifo"],
        "QueueNamePrefix": ["fuzz", "", "!"],
        "QueueOwnerAWSAccountId": [ACCOUNT, "123", "x"],
        "StreamName": ["fuzz-stream", "nope", "bad name!"],
        "StreamARN": [t.stream_arn, "arn:aws:kinesis:us-east-1:1:stream/nope", "arn"],
        "ShardId": ["shardId-000000000000", "shardId-000000000009", "shardId-x", "0"],
        "ShardIterator": [t.shard_iterator, t.shard_iterator[:-3], iterator_junk, "garbage"],
        "ShardIteratorType": ["TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AT_TIMESTAMP"],
        "StartingSequenceNumber": ["0", "49590338271490256608559692538361571095921575989136588898"],
        "ExclusiveStartSequenceNumber": ["0", "x"],
        "SequenceNumberForOrdering": ["0", "x"],
        "PartitionKey": ["k", "", "k" * 257],
        "ExplicitHashKey": ["0", "-1", str(2**128), "x"],
        "TableName": ["fuzz-table", "nope", "a", "bad name!"],
        "ExclusiveStartTableName": ["fuzz-table", "~"],
        "IndexName": ["nope", "by-x"],
        "KeyConditionExpression": EXPRESSIONS,
        "ConditionExpression": EXPRESSIONS,
        "UpdateExpression": EXPRESSIONS,
        "FilterExpression": EXPRESSIONS,
        "ProjectionExpression": EXPRESSIONS,
        "ExpressionAttributeNames": [{"#n": "pk"}, {"#n": ""}, {"n": "pk"}, {"#n": 5}],
        "ExpressionAttributeValues": [
            {":v": {"S": "fuzz"}},
            {":v": {"N": "abc"}},
            {":v": {"N": "1e400"}},
            {":v": {"N": "-0.00000000000000000000000000000000000000001"}},
            {":v": {"B": "!!!"}},
            {":v": {"SS": []}},
            {":v": {"SS": ["a", "a"]}},
            {":v": {"L": [{"M": {"x": {"NULL": True}}}]}},
            {":v": {"Q": 1}},
            {":v": {"S": "a", "N": "1"}},
            {":v": {}},
            {"v": {"S": "x"}},
        ],
        "Key": [{"pk": {"S": "fuzz"}}, {"pk": {"N": "1"}}, {}, {"pk": {"S": ""}}, {"x": {}}],
        "Item": [
            {"pk": {"S": "fuzz"}, "a": {"L": []}, "n": {"N": "1"}, "tags": {"SS": ["a"]}},
            {"pk": {"S": "fuzz"}, "big": {"S": "x" * 500_000}},
            {"pk": {"N": "1"}},
            {"a": {"S": "no key"}},
            {"pk": {"S": "fuzz"}, "b": {"B": "!!!"}},
        ],
        "ExclusiveStartKey": [{"pk": {"S": "fuzz"}}, {"pk": {"N": "x"}}],
        "Select": ["COUNT", "ALL_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "nope"],
        "ReturnValues": ["ALL_NEW", "UPDATED_OLD", "NONE", "nope"],
        "UUID": [t.mapping_uuid, str(uuid.uuid4()), "not-a-uuid", "", "../x"],
        "FunctionName": [
            "fn",
            "nope",
            f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn",
            "a" * 200,
        ],
        "EventSourceArn": [
            f"{ARN}:fuzz",
            f"{ARN}:nope",
            t.stream_arn,
            t.table_stream_arn,
            "arn:aws:sqs:us-east-1",
            "garbage",
        ],
        "ReceiptHandle": ["garbage", *BAD_BASE64],
        "MessageBody": ["hello", "\x00\x01", "x" * 300_000, "é☃"],
        "MessageGroupId": ["g", "", "g" * 200],
        "MessageDeduplicationId": ["d", "", "d" * 200],
        "Id": ["1", "", "bad id!", "x" * 100],
        "DataType": ["String", "Number", "Binary", "String.custom", "Nope"],
        "Data": BAD_BASE64,
        "BinaryValue": BAD_BASE64,
        "B": BAD_BASE64,
        "N": ["1", "abc", "1e400", "-0", "0x10"],
        "Marker": ["", "x", "1", "-1", "99999"],
        "NextToken": ["", "x", base64.b64encode(b"99").decode()],
        "StartingPosition": ["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP", "nope"],
        "InvocationType": ["RequestResponse", "Event", "DryRun", "Nope"],
        "Payload": ['{"a": 1}', "not json", ""],
    }


def value_of(shape: Shape, name: str, pool: dict[str, list[Any]], depth: int) -> Any:
    """A strategy for a member: a pooled value, a well-typed one, or junk."""
    junk = (
        st.none()
        | st.booleans()
        | st.sampled_from(NUMBERS)
        | st.sampled_from(JUNK_STRINGS)
        | st.just([])
        | st.just({})
    )
    typed: Any
    kind = shape.type_name
    if kind == "structure" and depth < 3:
        typed = structure_of(shape, pool, depth + 1)
    elif kind == "list" and depth < 3:
        typed = st.lists(value_of(shape.member, name, pool, depth + 1), max_size=3)
    elif kind == "map" and depth < 3:
        typed = st.dictionaries(
            st.sampled_from(["a", "pk", "All", "#n", ":v", ""]) | st.text(max_size=5),
            value_of(shape.value, name, pool, depth + 1),
            max_size=3,
        )
    elif kind in ("integer", "long"):
        typed = st.sampled_from(NUMBERS) | st.integers(-5, 30)
    elif kind in ("double", "float"):
        typed = st.sampled_from(NUMBERS)
    elif kind == "boolean":
        typed = st.booleans()
    elif kind == "blob":
        typed = st.sampled_from(BAD_BASE64)
    elif kind == "timestamp":
        typed = st.sampled_from([0, -1, 1e12, 2**63, "2026-01-01T00:00:00Z", "yesterday"])
    elif kind == "string" and shape.enum:
        typed = st.sampled_from([*shape.enum, "Nope"])
    else:
        typed = st.text(max_size=12)
    choices = pool.get(name)
    good = st.sampled_from(choices) | typed if choices else typed
    # Mostly well-typed values (one in ten is junk), so that requests get past the wire
    # layer into the services.
    return st.integers(0, 9).flatmap(lambda n: junk if n == 0 else good)


def structure_of(shape: Shape, pool: dict[str, list[Any]], depth: int = 0) -> Any:
    """A dict with any subset of the structure's members (required ones usually present)."""
    members = shape.members
    required = set(shape.required_members)
    always = {n: value_of(members[n], n, pool, depth) for n in members if n in required}
    optional = {n: value_of(members[n], n, pool, depth) for n in members if n not in required}
    return st.fixed_dictionaries(always, optional=optional) | st.fixed_dictionaries(
        {}, optional={**always, **optional}
    )


def tame(body: Any) -> Any:
    """No long polls: a valid WaitTimeSeconds would make an example wait up to 20 s."""
    if isinstance(body, dict) and body.get("WaitTimeSeconds") in range(1, 21):
        body["WaitTimeSeconds"] = 0
    return body


def post(url: str, path: str, headers: dict[str, str], body: bytes, method: str = "POST") -> int:
    """One raw HTTP request; the answer's status (its body must be read whole)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        content = answer.read()
        if answer.status >= 500:
            raise AssertionError(
                f"{answer.status} for {method} {path} {body[:2000]!r}: {content!r}"
            )
        return answer.status
    finally:
        connection.close()


SERVICES: dict[str, type[AwsService]] = {
    "sqs": SqsService,
    "kinesis": KinesisService,
    "dynamodb": DynamoDbService,
    "dynamodbstreams": DynamoDbStreamsService,
}


def served_operation(service: str, pool: dict[str, list[Any]]) -> Any:
    """A strategy of (operation name, request dict) for the operations a JSON service serves
    (and the first it does not, if any: its answer must be a 400 as well)."""
    model = service_model(service)
    served = [n for n in model.operation_names if hasattr(SERVICES[service], xform_name(n))]
    unserved = [n for n in model.operation_names if n not in served][:1]
    return st.one_of(
        [
            st.tuples(st.just(name), structure_of(model.operation_model(name).input_shape, pool))
            for name in [*served, *unserved]
        ]
    )


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    """A headrace with guard and fuzz resources; the guard data is checked after the test."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "h.py").write_text(HANDLER)
    async with running_headrace(tmp_path, CONFIG) as app:
        guard = await put_guard_data(app)
        yield app
        await check_guard_data(app, guard)


async def put_guard_data(app: Running) -> dict[str, Any]:
    """Data the fuzz must not damage: a message, an item, records and the file's mappings."""
    sqs, kinesis, ddb = app.client("sqs"), app.client("kinesis"), app.client("dynamodb")
    url = (await call(sqs, "get_queue_url", QueueName="guard"))["QueueUrl"]
    await call(sqs, "send_message", QueueUrl=url, MessageBody="kept")
    for word in ("one", "two"):
        await call(kinesis, "put_record", StreamName="guard-stream", Data=word, PartitionKey="k")
    await call(ddb, "put_item", TableName="guard-table", Item=GUARD_ITEM)
    return {"url": url, "mapping": await guard_mapping(app)}


async def guard_mapping(app: Running) -> dict[str, Any]:
    """The file's mapping of the guard queue as ListEventSourceMappings lists it."""
    arn = f"{ARN}:guard-mapped"
    listed = await call(app.client("lambda"), "list_event_source_mappings", EventSourceArn=arn)
    (mapping,) = listed["EventSourceMappings"]
    return dict(mapping)


async def check_guard_data(app: Running, guard: dict[str, Any]) -> None:
    """The run is up and answers, and the guard data is as it was put."""
    sqs, kinesis, ddb = app.client("sqs"), app.client("kinesis"), app.client("dynamodb")
    got = await call(sqs, "receive_message", QueueUrl=guard["url"], MaxNumberOfMessages=10)
    assert [m["Body"] for m in got["Messages"]] == ["kept"]
    await call(
        sqs,
        "delete_message",
        QueueUrl=guard["url"],
        ReceiptHandle=got["Messages"][0]["ReceiptHandle"],
    )
    again = await call(sqs, "receive_message", QueueUrl=guard["url"], VisibilityTimeout=0)
    assert "Messages" not in again
    item = await call(ddb, "get_item", TableName="guard-table", Key={"pk": {"S": "kept"}})
    assert item["Item"] == GUARD_ITEM
    shard = "shardId-000000000000"
    iterator = (
        await call(
            kinesis,
            "get_shard_iterator",
            StreamName="guard-stream",
            ShardId=shard,
            ShardIteratorType="TRIM_HORIZON",
        )
    )["ShardIterator"]
    records = (await call(kinesis, "get_records", ShardIterator=iterator))["Records"]
    assert [r["Data"] for r in records] == [b"one", b"two"]
    table = (await call(ddb, "describe_table", TableName="guard-table"))["Table"]
    streams = app.client("dynamodbstreams")
    described = await call(streams, "describe_stream", StreamArn=table["LatestStreamArn"])
    (table_shard,) = described["StreamDescription"]["Shards"]
    table_iterator = (
        await call(
            streams,
            "get_shard_iterator",
            StreamArn=table["LatestStreamArn"],
            ShardId=table_shard["ShardId"],
            ShardIteratorType="TRIM_HORIZON",
        )
    )["ShardIterator"]
    changes = (await call(streams, "get_records", ShardIterator=table_iterator))["Records"]
    assert [c["dynamodb"]["NewImage"] for c in changes] == [GUARD_ITEM]
    assert await guard_mapping(app) == guard["mapping"]


async def targets_of(app: Running) -> Targets:
    """Live fuzz resources' names, a valid shard iterator and a mapping's UUID."""
    sqs, kinesis = app.client("sqs"), app.client("kinesis")
    url = (await call(sqs, "get_queue_url", QueueName="fuzz"))["QueueUrl"]
    iterator = (
        await call(
            kinesis,
            "get_shard_iterator",
            StreamName="fuzz-stream",
            ShardId="shardId-000000000000",
            ShardIteratorType="LATEST",
        )
    )["ShardIterator"]
    stream = await call(kinesis, "describe_stream_summary", StreamName="fuzz-stream")
    table = await call(app.client("dynamodb"), "describe_table", TableName="fuzz-table")
    mappings = await call(app.client("lambda"), "list_event_source_mappings")
    uuid_ = next(
        m["UUID"] for m in mappings["EventSourceMappings"] if m["EventSourceArn"].endswith(":fuzz")
    )
    return Targets(
        url,
        iterator,
        stream["StreamDescriptionSummary"]["StreamARN"],
        table["Table"]["LatestStreamArn"],
        uuid_,
    )


@pytest.mark.parametrize("service", list(SERVICES))
async def test_json_operations_answer_below_500(running: Running, service: str) -> None:
    """Model-built JSON requests to every operation a service serves (SQS, Kinesis,
    DynamoDB, DynamoDB Streams), members of right and wrong types, are answered below 500;
    the run stays up and the guard data is intact (checked by the fixture)."""
    strategy = served_operation(service, pools(await targets_of(running)))
    model = service_model(service)
    content_type = f"application/x-amz-json-{model.metadata['jsonVersion']}"

    @FUZZ
    @given(request=strategy)
    def fuzz(request: tuple[str, dict[str, Any]]) -> None:
        operation, body = request
        headers = {
            "X-Amz-Target": f"{model.metadata['targetPrefix']}.{operation}",
            "Content-Type": content_type,
        }
        post(running.url, "/", headers, json.dumps(tame(body)).encode())

    await asyncio.to_thread(fuzz)


def query_fields(operation: str, body: dict[str, Any]) -> dict[str, str]:
    """A model-built request flattened into SQS query form fields (``Entries`` as
    ``X.N.Member``, maps as ``X.N.Name``/``X.N.Value``), values as text."""
    fields: dict[str, str] = {"Action": operation, "Version": "2012-11-05"}

    def flatten(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for n, (key, inner) in enumerate(value.items(), 1):
                if key[:1].isupper():
                    flatten(f"{prefix}.{key}", inner)
                else:
                    fields[f"{prefix}.{n}.Name"] = str(key)
                    flatten(f"{prefix}.{n}.Value", inner)
        elif isinstance(value, list):
            for n, inner in enumerate(value, 1):
                flatten(f"{prefix}.{n}", inner)
        else:
            fields[prefix] = json.dumps(value) if not isinstance(value, str) else value

    for key, value in body.items():
        flatten(key, value)
    return fields


async def test_sqs_query_forms_answer_below_500(running: Running) -> None:
    """Model-built SQS requests sent as query forms (the protocol older SDKs use) are
    answered below 500; the run stays up and the guard data is intact."""
    pool = pools(await targets_of(running))
    strategy = served_operation("sqs", pool)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    @FUZZ
    @given(request=strategy)
    def fuzz(request: tuple[str, dict[str, Any]]) -> None:
        operation, body = request
        form = urlencode(query_fields(operation, tame(body))).encode()
        post(running.url, "/", headers, form)

    await asyncio.to_thread(fuzz)


async def test_lambda_requests_answer_below_500(running: Running) -> None:
    """Lambda's REST operations with bad UUIDs, function names, query strings, invocation
    types and model-built bodies are answered below 500; the run stays up and the guard
    data (the file's mappings among it) is intact."""
    pool = pools(await targets_of(running))
    model = service_model("lambda")
    bodies = {
        name: structure_of(model.operation_model(name).input_shape, pool)
        for name in ("CreateEventSourceMapping", "UpdateEventSourceMapping")
    }
    uuids = st.sampled_from(pool["UUID"]) | st.text(max_size=8)
    names = st.sampled_from(pool["FunctionName"]) | st.text(max_size=8)
    auth = "AWS4-HMAC-SHA256 Credential=a/20261207/us-east-1/lambda/aws4_request"
    base = "/2015-03-31"
    requests = st.one_of(
        st.tuples(
            st.just("POST"),
            st.just(f"{base}/event-source-mappings"),
            bodies["CreateEventSourceMapping"],
        ),
        st.tuples(
            st.just("PUT"),
            uuids.map(lambda u: f"{base}/event-source-mappings/{quote(u, safe='')}"),
            bodies["UpdateEventSourceMapping"],
        ),
        st.tuples(
            st.sampled_from(["GET", "DELETE"]),
            uuids.map(lambda u: f"{base}/event-source-mappings/{quote(u, safe='')}"),
            st.none(),
        ),
        st.tuples(
            st.just("GET"),
            st.tuples(
                st.sampled_from(pool["Marker"]),
                st.sampled_from(NUMBERS),
                st.sampled_from(pool["EventSourceArn"]),
                names,
            ).map(
                lambda m: (
                    f"{base}/event-source-mappings?"
                    + urlencode(
                        {
                            "Marker": m[0],
                            "MaxItems": m[1],
                            "EventSourceArn": m[2],
                            "FunctionName": m[3],
                        }
                    )
                )
            ),
            st.none(),
        ),
        st.tuples(
            st.just("GET"), names.map(lambda n: f"{base}/functions/{quote(n, safe='')}"), st.none()
        ),
        st.tuples(
            st.just("GET"),
            st.tuples(st.sampled_from(pool["Marker"]), st.sampled_from(NUMBERS)).map(
                lambda m: f"{base}/functions/?" + urlencode({"Marker": m[0], "MaxItems": m[1]})
            ),
            st.none(),
        ),
        st.tuples(
            st.just("POST"),
            names.map(lambda n: f"{base}/functions/{quote(n, safe='')}/invocations"),
            st.sampled_from(pool["Payload"]),
        ),
    )

    @FUZZ
    @given(request=requests, invocation=st.sampled_from(pool["InvocationType"]))
    def fuzz(request: tuple[str, str, Any], invocation: str) -> None:
        method, path, body = request
        headers = {"Authorization": auth, "X-Amz-Invocation-Type": invocation}
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        post(running.url, path, headers, b"" if body is None else data, method)

    await asyncio.to_thread(fuzz)
