"""Malformed requests never crash the endpoint: fuzzed bodies, headers and forms reach every
operation of every served protocol and each gets an AWS-shaped 4xx or a result — never a
500, never an exception out of the handler (issue 10: "a malformed request is a 400 with
AWS's error shape, never a 500 or a crash")."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from unittest import mock

from aiohttp import streams
from aiohttp.test_utils import make_mocked_request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headrace.api.aws.aws_call import AwsCall, AwsService, Operation
from headrace.api.aws.aws_endpoint import AwsEndpoint
from headrace.api.aws.service_models import service_model

SERVICES = ("sqs", "kinesis", "dynamodb", "dynamodbstreams", "lambda")


class Anything(AwsService):
    """Serves every operation of its model and answers each with an empty output."""

    def __init__(self, name: str) -> None:
        self.service_name = name  # type: ignore[misc]

    def operation(self, name: str) -> Operation | None:
        async def answer(call: AwsCall) -> dict[str, Any]:
            return {}

        return answer


ENDPOINT = AwsEndpoint([Anything(name) for name in SERVICES])
TARGETS = [
    f"{service_model(s).metadata['targetPrefix']}.{op}"
    for s in SERVICES
    if service_model(s).metadata.get("targetPrefix")
    for op in service_model(s).operation_names
]
SQS_ACTIONS = list(service_model("sqs").operation_names)
LAMBDA_PATHS = [
    "/2015-03-31/event-source-mappings",
    "/2015-03-31/event-source-mappings/abc",
    "/2015-03-31/functions/f/invocations",
    "/2015-03-31/functions/f",
    "/2015-03-31/functions/",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


async def status_of(method: str, path: str, headers: dict[str, str], body: bytes) -> int:
    protocol = mock.Mock()
    payload = streams.StreamReader(protocol, 2**16, loop=asyncio.get_running_loop())
    payload.feed_data(body)
    payload.feed_eof()
    all_headers = {"Host": "127.0.0.1:4566", "Content-Length": str(len(body)), **headers}
    request = make_mocked_request(method, path, headers=all_headers, payload=payload)
    status, answer_headers, answer_body = await ENDPOINT.answer(request)
    assert answer_body is not None
    assert "Content-Type" in answer_headers
    return status


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(
    target=st.sampled_from(TARGETS) | st.text(max_size=40),
    body=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()),
    content_type=st.sampled_from(
        ["application/x-amz-json-1.0", "application/x-amz-json-1.1", "text/plain", ""]
    ),
)
def test_json_protocol_bodies(target: str, body: bytes, content_type: str) -> None:
    """Any body to any JSON operation (or an unknown target) is answered below 500."""
    headers = {"X-Amz-Target": target, "Content-Type": content_type}
    assert run(status_of("POST", "/", headers, body)) < 500


@FUZZ
@given(
    action=st.sampled_from(SQS_ACTIONS) | st.text(max_size=30),
    fields=st.dictionaries(
        st.sampled_from(
            [
                "QueueUrl",
                "QueueName",
                "Entries.1.Id",
                "SendMessageBatchRequestEntry.1.Id",
                "SendMessageBatchRequestEntry.1.MessageBody",
                "SendMessageBatchRequestEntry.x.Id",
                "MaxNumberOfMessages",
                "WaitTimeSeconds",
                "VisibilityTimeout",
                "Attribute.1.Name",
                "Attribute.1.Value",
                "MessageAttribute.1.Value.BinaryValue",
                "DelaySeconds",
            ]
        )
        | st.text(max_size=20),
        st.text(max_size=20),
        max_size=6,
    ),
)
def test_query_protocol_forms(action: str, fields: dict[str, str]) -> None:
    """Any form to any SQS action is answered below 500 (bad numbers, bad base64,
    half-given entries, unknown actions)."""
    from urllib.parse import urlencode

    body = urlencode({"Action": action, **fields}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert run(status_of("POST", "/", headers, body)) < 500


@FUZZ
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
    path=st.sampled_from(LAMBDA_PATHS) | st.text(min_size=1, max_size=40).map(lambda t: "/" + t),
    query=st.sampled_from(["", "?MaxItems=abc", "?MaxItems=5&Marker=x", "?FunctionName="]),
    body=st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()),
    invocation=st.sampled_from(["", "Event", "DryRun", "Nonsense"]),
)
def test_rest_protocol_requests(
    method: str, path: str, query: str, body: bytes, invocation: str
) -> None:
    """Any method, path, query string, header and body on Lambda's REST API is answered
    below 500."""
    from urllib.parse import quote

    headers = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=a/20261207/us-east-1/lambda/aws4_request"
    }
    if invocation:
        headers["X-Amz-Invocation-Type"] = invocation
    target = quote(path, safe="/") + query
    assert run(status_of(method, target, headers, body)) < 500
