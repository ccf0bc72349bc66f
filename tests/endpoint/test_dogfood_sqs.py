"""Dogfood (issue 10): headrace's real-AWS SQS source (aiobotocore: long polls,
DeleteMessageBatch, ChangeMessageVisibility, the visibility heartbeat) reads a queue that
another headrace serves on its endpoint, as if that endpoint were AWS."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from dogfood_support import aws_environment, reader_project  # noqa: F401 (a fixture)
from endpoint_support import call, running_headrace

from headrace.app import App, RunOptions
from headrace.config.load import load_config

pytestmark = pytest.mark.timeout(120)

# Bound on the reader's run until drained.
RUN_TIMEOUT = 60.0
# The server's account: the reader's ARN names it, the reader's own account differs.
SERVER_ACCOUNT = "222222222222"
QUEUE_ARN = f"arn:aws:sqs:us-east-1:{SERVER_ACCOUNT}:work"
DLQ_ARN = f"arn:aws:sqs:us-east-1:{SERVER_ACCOUNT}:work-dlq"
MAX_RECEIVES = 2
# The server's queue and its DLQ. A short visibility timeout so a failed message comes
# back quickly (the function's Timeout must not exceed it, §1.6.10).
SERVER_CONFIG: dict[str, Any] = {
    "account": SERVER_ACCOUNT,
    "queues": {
        "work": {
            "VisibilityTimeout": 1,
            "RedrivePolicy": {"deadLetterTargetArn": DLQ_ARN, "maxReceiveCount": MAX_RECEIVES},
        },
        "work-dlq": {},
    },
}
# The reader's mapping: the server's queue, with partial batch responses (§2.9).
MAPPING = {
    "EventSourceArn": QUEUE_ARN,
    "BatchSize": 10,
    "FunctionResponseTypes": ["ReportBatchItemFailures"],
}
# Logs every delivery (body and receive count); reports the bodies starting "bad" failed.
HANDLER = """
import json, os

def handle(event, context):
    failures = []
    with open(os.environ["LOG"], "a") as log:
        for record in event["Records"]:
            count = record["attributes"]["ApproximateReceiveCount"]
            log.write(json.dumps([record["body"], count, record["eventSourceARN"]]) + "\\n")
            if record["body"].startswith("bad"):
                failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
"""


async def queue_counts(sqs: Any, url: str) -> dict[str, str]:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    answer = await call(sqs, "get_queue_attributes", QueueUrl=url, AttributeNames=names)
    return dict(answer["Attributes"])


@pytest.mark.usefixtures("aws_environment")
async def test_the_sqs_source_reads_a_queue_served_by_headrace(tmp_path: Path) -> None:
    """Messages sent through one headrace's SQS API reach a function of another headrace
    whose mapping names the queue's ARN (another account: read as real SQS). Each good
    message is delivered once and deleted; a message the function reports failed
    (ReportBatchItemFailures, §2.9) comes back after the visibility timeout, is retried,
    and after maxReceiveCount receives is moved to the server's DLQ by its RedrivePolicy
    (§4.1.5); the run drains and the queue ends empty."""
    (tmp_path / "server").mkdir()
    good = [f"good-{n}" for n in range(25)]
    async with running_headrace(tmp_path / "server", SERVER_CONFIG) as server:
        sqs = server.client("sqs")
        url = (await call(sqs, "get_queue_url", QueueName="work"))["QueueUrl"]
        dlq_url = (await call(sqs, "get_queue_url", QueueName="work-dlq"))["QueueUrl"]
        entries = [{"Id": str(n), "MessageBody": body} for n, body in enumerate(good)]
        for start in range(0, len(entries), 10):
            batch = entries[start : start + 10]
            await call(sqs, "send_message_batch", QueueUrl=url, Entries=batch)
        await call(sqs, "send_message", QueueUrl=url, MessageBody="bad-one")
        project = reader_project(tmp_path / "reader", server.url, HANDLER, MAPPING, timeout=1)
        reader = App(load_config(project))
        options = RunOptions(until_drained=True, port=None, timeout=RUN_TIMEOUT)
        result = await asyncio.wait_for(reader.run(options), RUN_TIMEOUT + 15)
        assert result.drained
        assert await queue_counts(sqs, url) == {
            "ApproximateNumberOfMessages": "0",
            "ApproximateNumberOfMessagesNotVisible": "0",
        }
        dead = await call(sqs, "receive_message", QueueUrl=dlq_url, MaxNumberOfMessages=10)
    deliveries = [
        json.loads(line) for line in (tmp_path / "reader" / "log.jsonl").read_text().splitlines()
    ]
    assert sorted(body for body, _, _ in deliveries if body.startswith("good")) == sorted(good)
    assert all(count == "1" for body, count, _ in deliveries if body.startswith("good"))
    assert [count for body, count, _ in deliveries if body == "bad-one"] == ["1", "2"]
    assert {arn for _, _, arn in deliveries} == {QUEUE_ARN}
    assert [message["Body"] for message in dead["Messages"]] == ["bad-one"]
