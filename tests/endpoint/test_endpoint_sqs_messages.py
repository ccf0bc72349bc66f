"""SQS's message operations on a running headrace, through boto3 (JSON protocol).

§ numbers are lambda-esm.md's statements of SQS behaviour (§4.1).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from endpoint_support import running_headrace
from sqs_support import SQS_CONFIG, call, error_of

from headrace.app import App


async def queue_url(sqs: Any, name: str) -> str:
    return str((await call(sqs.get_queue_url, QueueName=name))["QueueUrl"])


async def test_send_and_receive_with_attributes(tmp_path: Path) -> None:
    """SendMessage's MD5s are SQS's (boto3 checks them); ReceiveMessage returns the system
    attributes and message attributes asked for, with the MD5 of those returned."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs")
        url = await queue_url(sqs, "orders")
        attributes = {
            "kind": {"DataType": "String", "StringValue": "order"},
            "count": {"DataType": "Number", "StringValue": "3"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        }
        sent = await call(
            sqs.send_message, QueueUrl=url, MessageBody="hello", MessageAttributes=attributes
        )
        assert sent["MD5OfMessageBody"] == "5d41402abc4b2a76b9719d911017c592"
        assert "MD5OfMessageAttributes" in sent
        got = await call(
            sqs.receive_message,
            QueueUrl=url,
            MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
            MessageAttributeNames=["kind", "b.*"],
        )
        (message,) = got["Messages"]
        assert message["Body"] == "hello"
        assert set(message["Attributes"]) == {"ApproximateReceiveCount", "SentTimestamp"}
        assert message["Attributes"]["ApproximateReceiveCount"] == "1"
        assert message["MessageAttributes"] == {
            "kind": {"DataType": "String", "StringValue": "order"},
        }
        assert "MD5OfMessageAttributes" in message
        bare = await call(sqs.receive_message, QueueUrl=url, VisibilityTimeout=0)
        assert "Messages" not in bare


async def test_receive_all_attributes_and_visibility(tmp_path: Path) -> None:
    """AttributeNames/MessageAttributeNames ["All"] return everything; a received message
    is hidden for the VisibilityTimeout asked for (0: visible again at once)."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs")
        url = await queue_url(sqs, "orders")
        attributes = {"kind": {"DataType": "String", "StringValue": "order"}}
        await call(sqs.send_message, QueueUrl=url, MessageBody="a", MessageAttributes=attributes)
        first = await call(
            sqs.receive_message,
            QueueUrl=url,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            VisibilityTimeout=0,
        )
        (message,) = first["Messages"]
        assert {"SenderId", "SentTimestamp", "ApproximateFirstReceiveTimestamp"} <= set(
            message["Attributes"]
        )
        assert message["MessageAttributes"]["kind"]["StringValue"] == "order"
        second = await call(sqs.receive_message, QueueUrl=url, AttributeNames=["All"])
        assert second["Messages"][0]["Attributes"]["ApproximateReceiveCount"] == "2"
        hidden = await call(sqs.receive_message, QueueUrl=url)
        assert "Messages" not in hidden


async def test_receive_parameter_errors(tmp_path: Path) -> None:
    """MaxNumberOfMessages outside 1..10, WaitTimeSeconds over 20 and VisibilityTimeout over
    12 hours are InvalidParameterValue."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs")
        url = await queue_url(sqs, "orders")
        for params in (
            {"MaxNumberOfMessages": 11},
            {"WaitTimeSeconds": 21},
            {"VisibilityTimeout": 43_201},
        ):
            error = await error_of(sqs.receive_message, QueueUrl=url, **params)
            assert error.response["Error"]["Code"] == "InvalidParameterValue", params


async def test_send_message_errors(tmp_path: Path) -> None:
    """A FIFO send without MessageGroupId, or a body with characters SQS refuses, is an
    error with SQS's code (MissingParameter, InvalidMessageContents)."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs")
        fifo = await queue_url(sqs, "jobs.fifo")
        group = await error_of(sqs.send_message, QueueUrl=fifo, MessageBody="x")
        assert group.response["Error"]["Code"] in ("MissingParameter", "InvalidParameterValue")
        url = await queue_url(sqs, "orders")
        bad = await error_of(sqs.send_message, QueueUrl=url, MessageBody="\x00")
        assert isinstance(bad, sqs.exceptions.InvalidMessageContents)


async def test_send_message_batch_successes_failures_and_request_errors(tmp_path: Path) -> None:
    """SendMessageBatch reports each entry in Successful or Failed; an empty batch, more than
    10 entries, repeated ids and an invalid id raise the SDK's modelled errors."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs")
        url = await queue_url(sqs, "orders")
        done = await call(
            sqs.send_message_batch,
            QueueUrl=url,
            Entries=[
                {"Id": "a", "MessageBody": "one"},
                {"Id": "b", "MessageBody": "two", "DelaySeconds": 901},
            ],
        )
        assert [e["Id"] for e in done["Successful"]] == ["a"]
        assert done["Successful"][0]["MD5OfMessageBody"]
        (failed,) = done["Failed"]
        assert failed["Id"] == "b"
        assert failed["SenderFault"] is True
        assert failed["Code"] == "InvalidParameterValue"
        empty = await error_of(sqs.send_message_batch, QueueUrl=url, Entries=[])
        assert isinstance(empty, sqs.exceptions.EmptyBatchRequest)
        many = [{"Id": str(i), "MessageBody": "x"} for i in range(11)]
        too_many = await error_of(sqs.send_message_batch, QueueUrl=url, Entries=many)
        assert isinstance(too_many, sqs.exceptions.TooManyEntriesInBatchRequest)
        twice = [{"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}]
        repeated = await error_of(sqs.send_message_batch, QueueUrl=url, Entries=twice)
        assert isinstance(repeated, sqs.exceptions.BatchEntryIdsNotDistinct)
        invalid = await error_of(
            sqs.send_message_batch, QueueUrl=url, Entries=[{"Id": "no spaces", "MessageBody": "x"}]
        )
        assert isinstance(invalid, sqs.exceptions.InvalidBatchEntryId)
        long = [{"Id": str(i), "MessageBody": "x" * 200_000} for i in range(2)]
        too_long = await error_of(sqs.send_message_batch, QueueUrl=url, Entries=long)
        assert isinstance(too_long, sqs.exceptions.BatchRequestTooLong)


async def test_delete_message_and_batch(tmp_path: Path) -> None:
    """DeleteMessage removes a received message; a malformed handle is the SDK's
    ReceiptHandleIsInvalid; DeleteMessageBatch answers each entry."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs")
        url = await queue_url(sqs, "orders")
        for body in ("a", "b", "c"):
            await call(sqs.send_message, QueueUrl=url, MessageBody=body)
        got = (await call(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=3))["Messages"]
        assert sorted(m["Body"] for m in got) == ["a", "b", "c"]
        await call(sqs.delete_message, QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
        invalid = await error_of(sqs.delete_message, QueueUrl=url, ReceiptHandle="garbage")
        assert isinstance(invalid, sqs.exceptions.ReceiptHandleIsInvalid)
        done = await call(
            sqs.delete_message_batch,
            QueueUrl=url,
            Entries=[
                {"Id": "b", "ReceiptHandle": got[1]["ReceiptHandle"]},
                {"Id": "c", "ReceiptHandle": got[2]["ReceiptHandle"]},
                {"Id": "bad", "ReceiptHandle": "garbage"},
            ],
        )
        assert sorted(e["Id"] for e in done["Successful"]) == ["b", "c"]
        assert [(f["Id"], f["Code"]) for f in done["Failed"]] == [("bad", "ReceiptHandleIsInvalid")]
        depth = await call(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["All"])
        assert depth["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0"
        empty = await error_of(sqs.delete_message_batch, QueueUrl=url, Entries=[])
        assert isinstance(empty, sqs.exceptions.EmptyBatchRequest)


async def test_change_message_visibility_and_batch(tmp_path: Path) -> None:
    """ChangeMessageVisibility 0 makes an in-flight message visible again; a message not in
    flight is InvalidParameterValue; the batch form answers each entry."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs")
        url = await queue_url(sqs, "orders")
        await call(sqs.send_message, QueueUrl=url, MessageBody="a")
        (message,) = (await call(sqs.receive_message, QueueUrl=url))["Messages"]
        handle = message["ReceiptHandle"]
        await call(
            sqs.change_message_visibility, QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0
        )
        not_in_flight = await error_of(
            sqs.change_message_visibility, QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=5
        )
        assert not_in_flight.response["Error"]["Code"] == "InvalidParameterValue"
        (again,) = (await call(sqs.receive_message, QueueUrl=url))["Messages"]
        done = await call(
            sqs.change_message_visibility_batch,
            QueueUrl=url,
            Entries=[
                {"Id": "ok", "ReceiptHandle": again["ReceiptHandle"], "VisibilityTimeout": 0},
                {"Id": "stale", "ReceiptHandle": handle, "VisibilityTimeout": 0},
            ],
        )
        assert [e["Id"] for e in done["Successful"]] == ["ok"]
        assert [f["Id"] for f in done["Failed"]] == ["stale"]
        assert len((await call(sqs.receive_message, QueueUrl=url))["Messages"]) == 1


async def test_fifo_receive_request_attempt_id_returns_the_same_messages(tmp_path: Path) -> None:
    """§4.1.7: a FIFO group with a message in flight gives nothing more; a retried receive
    with the same ReceiveRequestAttemptId returns the same messages and handles."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs")
        url = await queue_url(sqs, "jobs.fifo")
        for body in ("1", "2"):
            sent = await call(sqs.send_message, QueueUrl=url, MessageBody=body, MessageGroupId="g")
            assert sent["SequenceNumber"]
        first = await call(
            sqs.receive_message,
            QueueUrl=url,
            ReceiveRequestAttemptId="try-1",
            AttributeNames=["All"],
        )
        assert [m["Body"] for m in first["Messages"]] == ["1"]
        assert first["Messages"][0]["Attributes"]["MessageGroupId"] == "g"
        retried = await call(sqs.receive_message, QueueUrl=url, ReceiveRequestAttemptId="try-1")
        assert retried["Messages"][0]["ReceiptHandle"] == first["Messages"][0]["ReceiptHandle"]
        other = await call(sqs.receive_message, QueueUrl=url, ReceiveRequestAttemptId="try-2")
        assert "Messages" not in other


async def waiting_receive(app: App, sqs: Any, url: str, **params: Any) -> asyncio.Task[Any]:
    """A ReceiveMessage long poll, returned once it is waiting on the broker's wake-ups."""
    before = app.broker.waker.statistics().waiting
    task = asyncio.create_task(call(sqs.receive_message, QueueUrl=url, **params))
    while app.broker.waker.statistics().waiting == before:
        assert not task.done(), task.result()
        await asyncio.sleep(0.01)
    return task


async def test_long_poll_wakes_on_a_send(tmp_path: Path) -> None:
    """ReceiveMessage with WaitTimeSeconds waits on the queue's wake-up and returns the
    message a send delivers (the wait ended by the wake-up, not by its timeout)."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs", read_timeout=60)
        url = await queue_url(sqs, "orders")
        waker = running.app.broker.waker
        poll = await waiting_receive(running.app, sqs, url, WaitTimeSeconds=20)
        woken = waker.statistics().wakeups
        await call(running.client("sqs").send_message, QueueUrl=url, MessageBody="late")
        got = await asyncio.wait_for(poll, 30)
        assert [m["Body"] for m in got["Messages"]] == ["late"]
        assert waker.statistics().wakeups > woken


async def test_long_poll_ends_empty_when_the_run_stops(tmp_path: Path) -> None:
    """A long poll in progress when the run stops returns at once with no messages."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs", read_timeout=60)
        url = await queue_url(sqs, "orders")
        poll = await waiting_receive(running.app, sqs, url, WaitTimeSeconds=20)
        running.app.stop()
        got = await asyncio.wait_for(poll, 30)
        assert "Messages" not in got


async def test_short_wait_returns_empty(tmp_path: Path) -> None:
    """A long poll on an empty queue ends after WaitTimeSeconds with no messages; the
    queue's ReceiveMessageWaitTimeSeconds is the default wait."""
    async with running_headrace(tmp_path, SQS_CONFIG) as running:
        sqs = running.client("sqs")
        url = await queue_url(sqs, "orders-dlq")
        got = await call(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=1)
        assert "Messages" not in got
