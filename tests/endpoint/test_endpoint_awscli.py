"""The AWS CLI (``awscli`` from PyPI) against a running headrace, as users type it: SQS in
depth, one or more commands of every other served service."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from endpoint_support import ACCOUNT, running_headrace
from sqs_support import SQS_CONFIG

pytest.importorskip("awscli")
AWS = str(Path(sys.executable).with_name("aws"))


async def aws(*args: str) -> Any:
    """Run ``aws ARGS`` with credentials and region from the environment; its JSON output.

    AWS CLI v1 ignores AWS_ENDPOINT_URL for ``aws sqs`` (it pins SQS's legacy
    ``queue.amazonaws.com`` host per region unless ``--endpoint-url`` is given), so the
    commands carry ``--endpoint-url`` as docs/api.md tells users to.
    """
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/nonexistent/headrace-tests/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/headrace-tests/aws-credentials",
    }
    env.pop("AWS_PROFILE", None)
    process = await asyncio.create_subprocess_exec(
        AWS,
        *args,
        "--output",
        "json",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    return json.loads(out) if out.strip() else None


async def test_aws_cli_creates_sends_and_receives(tmp_path: Path) -> None:
    """`aws sqs create-queue`, `send-message`, `receive-message`, `get-queue-attributes` and
    `list-queues` with `--endpoint-url` work unchanged."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        endpoint = ["--endpoint-url", running.url]
        created = await aws("sqs", "create-queue", "--queue-name", "cli-queue", *endpoint)
        url = created["QueueUrl"]
        assert url == f"{running.url}/{ACCOUNT}/cli-queue"
        sent = await aws(
            "sqs", "send-message", "--queue-url", url, "--message-body", "from the cli", *endpoint
        )
        assert sent["MD5OfMessageBody"]
        got = await aws(
            "sqs",
            "receive-message",
            "--queue-url",
            url,
            "--attribute-names",
            "All",
            "--wait-time-seconds",
            "1",
            *endpoint,
        )
        (message,) = got["Messages"]
        assert message["Body"] == "from the cli"
        assert message["Attributes"]["ApproximateReceiveCount"] == "1"
        attributes = await aws(
            "sqs",
            "get-queue-attributes",
            "--queue-url",
            url,
            "--attribute-names",
            "ApproximateNumberOfMessagesNotVisible",
            *endpoint,
        )
        assert attributes["Attributes"] == {"ApproximateNumberOfMessagesNotVisible": "1"}
        listed = await aws("sqs", "list-queues", "--queue-name-prefix", "cli", *endpoint)
        assert listed["QueueUrls"] == [url]


async def test_aws_cli_reaches_every_other_service(tmp_path: Path) -> None:
    """One command per other served service, as users type them: `aws kinesis
    create-stream` / `list-streams`, `aws dynamodb create-table` / `put-item` / `get-item`,
    `aws dynamodbstreams list-streams`, and `aws lambda list-functions` /
    `create-event-source-mapping` / `list-event-source-mappings`."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "h.py").write_text("def handle(event, context):\n    return None\n")
    config = {**SQS_CONFIG, "functions": {"fn": {"Handler": "h.handle", "CodeUri": "./src"}}}
    async with running_headrace(tmp_path, config) as running:
        endpoint = ["--endpoint-url", running.url]
        await aws(
            "kinesis", "create-stream", "--stream-name", "cli", "--shard-count", "1", *endpoint
        )
        assert "cli" in (await aws("kinesis", "list-streams", *endpoint))["StreamNames"]
        await aws(
            "dynamodb",
            "create-table",
            "--table-name",
            "cli",
            "--attribute-definitions",
            "AttributeName=id,AttributeType=S",
            "--key-schema",
            "AttributeName=id,KeyType=HASH",
            "--billing-mode",
            "PAY_PER_REQUEST",
            "--stream-specification",
            "StreamEnabled=true,StreamViewType=NEW_IMAGE",
            *endpoint,
        )
        item = json.dumps({"id": {"S": "a"}, "n": {"N": "1"}})
        await aws("dynamodb", "put-item", "--table-name", "cli", "--item", item, *endpoint)
        key = json.dumps({"id": {"S": "a"}})
        got = await aws("dynamodb", "get-item", "--table-name", "cli", "--key", key, *endpoint)
        assert got["Item"] == {"id": {"S": "a"}, "n": {"N": "1"}}
        streams = await aws("dynamodbstreams", "list-streams", "--table-name", "cli", *endpoint)
        assert len(streams["Streams"]) == 1
        functions = await aws("lambda", "list-functions", *endpoint)
        assert [f["FunctionName"] for f in functions["Functions"]] == ["fn"]
        queue_arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:{next(iter(SQS_CONFIG['queues']))}"
        made = await aws(
            "lambda",
            "create-event-source-mapping",
            "--function-name",
            "fn",
            "--event-source-arn",
            queue_arn,
            "--batch-size",
            "5",
            *endpoint,
        )
        listed = await aws("lambda", "list-event-source-mappings", *endpoint)
        assert [m["UUID"] for m in listed["EventSourceMappings"]] == [made["UUID"]]
