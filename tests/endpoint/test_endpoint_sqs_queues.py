"""SQS's queue operations on a running headrace, through boto3 (JSON protocol)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from endpoint_support import ACCOUNT, running_headrace
from sqs_support import ORDERS_DLQ_ARN, SQS_CONFIG, call, error_of


def code_of(error: Any) -> str:
    return str(error.response["Error"]["Code"])


async def test_create_queue_returns_a_url_on_the_addressed_host(tmp_path: Path) -> None:
    """CreateQueue answers http://HOST:PORT/ACCOUNT/NAME with the Host the client used; the
    same call again returns the same URL (idempotent)."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs")
        url = (await call(sqs.create_queue, QueueName="made"))["QueueUrl"]
        assert url == f"{running.url}/{ACCOUNT}/made"
        again = await call(sqs.create_queue, QueueName="made", Attributes={})
        assert again["QueueUrl"] == url
        local = running.client("sqs").meta.endpoint_url.replace("127.0.0.1", "localhost")
        from endpoint_support import boto_client

        other = boto_client("sqs", local)
        found = await call(other.get_queue_url, QueueName="made")
        assert found["QueueUrl"] == f"{local}/{ACCOUNT}/made"


async def test_create_queue_with_other_attributes_is_queue_name_exists(tmp_path: Path) -> None:
    """An existing name with a different attribute value raises the SDK's QueueNameExists
    (query code QueueAlreadyExists); the same values return the queue."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs")
        same = await call(
            sqs.create_queue, QueueName="orders", Attributes={"VisibilityTimeout": "30"}
        )
        assert same["QueueUrl"].endswith("/orders")
        error = await error_of(
            sqs.create_queue, QueueName="orders", Attributes={"VisibilityTimeout": "31"}
        )
        assert isinstance(error, sqs.exceptions.QueueNameExists)
        assert "VisibilityTimeout" in error.response["Error"]["Message"]


async def test_create_queue_checks_attributes_as_sqs(tmp_path: Path) -> None:
    """Unknown attribute: InvalidAttributeName; out of range: InvalidAttributeValue; a FIFO
    queue without .fifo, or a .fifo name without FifoQueue: InvalidParameterValue; a
    RedrivePolicy naming no queue: InvalidParameterValue."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs")
        unknown = await error_of(sqs.create_queue, QueueName="q", Attributes={"Colour": "red"})
        assert isinstance(unknown, sqs.exceptions.InvalidAttributeName)
        big = await error_of(
            sqs.create_queue, QueueName="q", Attributes={"VisibilityTimeout": "99999"}
        )
        assert isinstance(big, sqs.exceptions.InvalidAttributeValue)
        fifo = await error_of(sqs.create_queue, QueueName="q", Attributes={"FifoQueue": "true"})
        assert code_of(fifo) == "InvalidParameterValue"
        named = await error_of(sqs.create_queue, QueueName="q.fifo")
        assert code_of(named) == "InvalidParameterValue"
        policy = json.dumps({"deadLetterTargetArn": ORDERS_DLQ_ARN + "-x", "maxReceiveCount": 2})
        dlq = await error_of(sqs.create_queue, QueueName="q", Attributes={"RedrivePolicy": policy})
        assert code_of(dlq) == "InvalidParameterValue"
        assert "Dead letter target does not exist" in dlq.response["Error"]["Message"]
        listed = await call(sqs.list_queues, QueueNamePrefix="q")
        assert "QueueUrls" not in listed


async def test_created_fifo_queue_with_redrive_policy(tmp_path: Path) -> None:
    """A FIFO queue with a JSON RedrivePolicy to a FIFO DLQ reports both in its attributes."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs")
        await call(sqs.create_queue, QueueName="made-dlq.fifo", Attributes={"FifoQueue": "true"})
        dlq_arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:made-dlq.fifo"
        policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "4"})
        url = (
            await call(
                sqs.create_queue,
                QueueName="made.fifo",
                Attributes={"FifoQueue": "true", "RedrivePolicy": policy},
            )
        )["QueueUrl"]
        attributes = (await call(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["All"]))[
            "Attributes"
        ]
        assert attributes["FifoQueue"] == "true"
        assert json.loads(attributes["RedrivePolicy"]) == {
            "deadLetterTargetArn": dlq_arn,
            "maxReceiveCount": 4,
        }


async def test_get_queue_url_and_unknown_queues(tmp_path: Path) -> None:
    """GetQueueUrl of a declared queue; an unknown name, another owner account or a URL of
    another account raise the SDK's QueueDoesNotExist; a URL that is no queue URL is
    InvalidAddress."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs")
        url = (await call(sqs.get_queue_url, QueueName="orders"))["QueueUrl"]
        assert url == f"{running.url}/{ACCOUNT}/orders"
        missing = await error_of(sqs.get_queue_url, QueueName="nope")
        assert isinstance(missing, sqs.exceptions.QueueDoesNotExist)
        owner = await error_of(
            sqs.get_queue_url, QueueName="orders", QueueOwnerAWSAccountId="111111111111"
        )
        assert isinstance(owner, sqs.exceptions.QueueDoesNotExist)
        foreign = await error_of(
            sqs.get_queue_attributes, QueueUrl=f"{running.url}/111111111111/orders"
        )
        assert isinstance(foreign, sqs.exceptions.QueueDoesNotExist)
        bad = await error_of(sqs.get_queue_attributes, QueueUrl=f"{running.url}/orders")
        assert isinstance(bad, sqs.exceptions.InvalidAddress)


async def test_list_queues_by_prefix_and_in_pages(tmp_path: Path) -> None:
    """ListQueues filters by QueueNamePrefix; MaxResults pages with NextToken, each queue once;
    boto3's paginator walks every page; MaxResults out of 1..1000 is InvalidParameterValue."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs")
        for index in range(5):
            await call(sqs.create_queue, QueueName=f"page-{index}")
        every = (await call(sqs.list_queues))["QueueUrls"]
        assert len(every) == 8
        prefixed = (await call(sqs.list_queues, QueueNamePrefix="orders"))["QueueUrls"]
        assert [u.rsplit("/", 1)[1] for u in prefixed] == ["orders", "orders-dlq"]
        first = await call(sqs.list_queues, QueueNamePrefix="page-", MaxResults=2)
        assert len(first["QueueUrls"]) == 2
        assert "NextToken" in first
        pages = await call(
            lambda: list(
                sqs.get_paginator("list_queues").paginate(
                    QueueNamePrefix="page-", PaginationConfig={"PageSize": 2}
                )
            )
        )
        names = [u.rsplit("/", 1)[1] for page in pages for u in page.get("QueueUrls", [])]
        assert names == [f"page-{i}" for i in range(5)]
        assert len(pages) == 3
        bad = await error_of(sqs.list_queues, MaxResults=1001)
        assert code_of(bad) == "InvalidParameterValue"


async def test_get_and_set_queue_attributes(tmp_path: Path) -> None:
    """GetQueueAttributes returns the names asked for (All: every one) as strings; an
    unknown name is InvalidAttributeName; SetQueueAttributes changes them, RedrivePolicy ""
    removes the policy, and FifoQueue cannot be set."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs")
        url = (await call(sqs.get_queue_url, QueueName="orders"))["QueueUrl"]
        chosen = await call(
            sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["VisibilityTimeout", "QueueArn"]
        )
        assert chosen["Attributes"] == {
            "VisibilityTimeout": "30",
            "QueueArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders",
        }
        every = (await call(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["All"]))[
            "Attributes"
        ]
        assert every["ApproximateNumberOfMessages"] == "0"
        assert "RedrivePolicy" in every
        unknown = await error_of(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["Nope"])
        assert code_of(unknown) == "InvalidAttributeName"
        await call(
            sqs.set_queue_attributes,
            QueueUrl=url,
            Attributes={"VisibilityTimeout": "45", "RedrivePolicy": ""},
        )
        after = (await call(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["All"]))[
            "Attributes"
        ]
        assert after["VisibilityTimeout"] == "45"
        assert "RedrivePolicy" not in after
        fifo = await error_of(
            sqs.set_queue_attributes, QueueUrl=url, Attributes={"FifoQueue": "true"}
        )
        assert isinstance(fifo, sqs.exceptions.InvalidAttributeName)
        bad = await error_of(
            sqs.set_queue_attributes, QueueUrl=url, Attributes={"DelaySeconds": "901"}
        )
        assert isinstance(bad, sqs.exceptions.InvalidAttributeValue)


async def test_delete_and_purge_queue(tmp_path: Path) -> None:
    """PurgeQueue empties a queue, and a second within 60 s is PurgeQueueInProgress;
    DeleteQueue removes it, and later calls raise QueueDoesNotExist."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs")
        url = (await call(sqs.create_queue, QueueName="made"))["QueueUrl"]
        await call(sqs.send_message, QueueUrl=url, MessageBody="x")
        await call(sqs.purge_queue, QueueUrl=url)
        depth = await call(
            sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        assert depth["Attributes"]["ApproximateNumberOfMessages"] == "0"
        twice = await error_of(sqs.purge_queue, QueueUrl=url)
        assert isinstance(twice, sqs.exceptions.PurgeQueueInProgress)
        await call(sqs.delete_queue, QueueUrl=url)
        gone = await error_of(sqs.send_message, QueueUrl=url, MessageBody="x")
        assert isinstance(gone, sqs.exceptions.QueueDoesNotExist)
        again = await error_of(sqs.delete_queue, QueueUrl=url)
        assert isinstance(again, sqs.exceptions.QueueDoesNotExist)


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "headrace", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )


async def test_api_made_queues_survive_a_restart_and_work_with_the_cli(tmp_path: Path) -> None:
    """A queue made through CreateQueue keeps its attributes and messages across a restart;
    `headrace send` and `dlq` reach it and `status` lists it; a declared queue deleted
    through the API is back (empty) at the next start, and a deleted API queue is not."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs")
        url = (await call(sqs.create_queue, QueueName="made", Attributes={"DelaySeconds": "0"}))[
            "QueueUrl"
        ]
        await call(sqs.set_queue_attributes, QueueUrl=url, Attributes={"VisibilityTimeout": "9"})
        await call(sqs.create_queue, QueueName="short-lived")
        await call(sqs.delete_queue, QueueUrl=url.replace("made", "short-lived"))
        await call(sqs.delete_queue, QueueUrl=url.replace("made", "orders-dlq"))
        sent = cli(tmp_path, "send", "made", "from the cli")
        assert sent.returncode == 0, sent.stderr
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs")
        names = [u.rsplit("/", 1)[1] for u in (await call(sqs.list_queues))["QueueUrls"]]
        assert sorted(names) == ["jobs.fifo", "made", "orders", "orders-dlq"]
        url = (await call(sqs.get_queue_url, QueueName="made"))["QueueUrl"]
        attributes = (
            await call(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["VisibilityTimeout"])
        )["Attributes"]
        assert attributes == {"VisibilityTimeout": "9"}
        got = await call(sqs.receive_message, QueueUrl=url)
        assert [m["Body"] for m in got["Messages"]] == ["from the cli"]
    shown = cli(tmp_path, "dlq", "made", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["Queue"] == "made"
    status = cli(tmp_path, "status", "--json")
    assert status.returncode == 0, status.stderr
    assert "made" in json.loads(status.stdout)["Queues"]
