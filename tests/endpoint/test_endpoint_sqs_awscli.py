"""The AWS CLI (``awscli`` from PyPI) against a running headrace, as users type it."""

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
