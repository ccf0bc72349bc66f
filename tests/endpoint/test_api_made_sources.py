"""Queues and streams made through the endpoint are mapping sources as the file's are:
CreateEventSourceMapping on an API-made queue's or stream's ARN is accepted and delivers,
again after a restart; a deleted queue is not found (§1.6.11), and deleting the queue a
mapping reads neither stops the run nor the mappings of other queues."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from endpoint_support import ACCOUNT, REGION, running_headrace
from lambda_support import QUEUE_ARN, call, logged, project, settled, wait_for, wait_until

from headrace.sources.kinds.sqs_family import QUEUE_NOT_FOUND

pytestmark = pytest.mark.timeout(180)

MADE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:made"
MADE_STREAM_ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/made-stream"


def bodies(root: Path) -> list[str]:
    """The SQS bodies the handler logged, in order."""
    return [item for item in logged(root) if isinstance(item, str)]


def kinesis_data(root: Path) -> list[str]:
    """The Kinesis records' data the handler logged, decoded, in order (§3.2)."""
    return [
        base64.b64decode(item["kinesis"]["data"]).decode()
        for item in logged(root)
        if isinstance(item, dict) and "kinesis" in item
    ]


async def queue_counts(sqs: Any, url: str) -> tuple[str, str]:
    """(visible, in flight) of the queue at ``url``."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    found = await call(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=names)
    return found["Attributes"][names[0]], found["Attributes"][names[1]]


async def mapping_problem(running: Any, uuid: str) -> str | None:
    """The mapping's LastProcessingResult as headrace's status shows it."""
    for mapping in running.app.status()["EventSourceMappings"]:
        if mapping["uuid"] == uuid:
            result: str | None = mapping["last_processing_result"]
            return result
    return None


async def test_mappings_on_an_api_made_queue_and_stream_deliver_and_survive_a_restart(
    tmp_path: Path,
) -> None:
    """A queue CreateQueue made and a stream CreateStream made are sources: the Lambda API
    maps them (no §1.6.11 / §1.6.12 not-found), SendMessage reaches the handler and the
    message is deleted (§4.1.1), PutRecord reaches it from TRIM_HORIZON (§3.2). After a
    restart the queue, the stream and both mappings are back and keep delivering."""
    config = project(tmp_path)
    async with running_headrace(tmp_path, config) as running:
        sqs, kinesis, lam = (running.client(s) for s in ("sqs", "kinesis", "lambda"))
        url = (await call(sqs.create_queue, QueueName="made"))["QueueUrl"]
        await call(kinesis.create_stream, StreamName="made-stream", ShardCount=1)
        queue_mapping = await call(
            lam.create_event_source_mapping, FunctionName="fn", EventSourceArn=MADE_ARN
        )
        stream_mapping = await call(
            lam.create_event_source_mapping,
            FunctionName="fn",
            EventSourceArn=MADE_STREAM_ARN,
            StartingPosition="TRIM_HORIZON",
        )
        assert queue_mapping["EventSourceArn"] == MADE_ARN
        await settled(lam, queue_mapping["UUID"])
        await settled(lam, stream_mapping["UUID"])
        await call(sqs.send_message, QueueUrl=url, MessageBody="m1")
        await call(kinesis.put_record, StreamName="made-stream", Data=b"r1", PartitionKey="k")
        await wait_for(lambda: bodies(tmp_path) == ["m1"], "the message delivered")
        await wait_for(lambda: kinesis_data(tmp_path) == ["r1"], "the record delivered")
        await wait_for_empty(sqs, url)
    async with running_headrace(tmp_path, config) as running:
        sqs, kinesis, lam = (running.client(s) for s in ("sqs", "kinesis", "lambda"))
        listed = (await call(lam.list_event_source_mappings))["EventSourceMappings"]
        assert {m["UUID"] for m in listed} == {queue_mapping["UUID"], stream_mapping["UUID"]}
        await settled(lam, queue_mapping["UUID"])
        await settled(lam, stream_mapping["UUID"])
        url = (await call(sqs.get_queue_url, QueueName="made"))["QueueUrl"]
        await call(sqs.send_message, QueueUrl=url, MessageBody="m2")
        await call(kinesis.put_record, StreamName="made-stream", Data=b"r2", PartitionKey="k")
        await wait_for(lambda: bodies(tmp_path) == ["m1", "m2"], "the next message delivered")
        await wait_for(lambda: kinesis_data(tmp_path) == ["r1", "r2"], "the next record")
        await wait_for_empty(sqs, url)


async def wait_for_empty(sqs: Any, url: str) -> None:
    """Wait until the queue at ``url`` holds nothing, visible or in flight."""
    counts: dict[str, tuple[str, str]] = {}

    async def empty() -> bool:
        counts["now"] = await queue_counts(sqs, url)
        return counts["now"] == ("0", "0")

    await wait_until(empty, lambda: f"the queue to be empty, not {counts['now']}")


async def test_a_deleted_api_made_queue_is_not_found_and_its_stream_twin_neither(
    tmp_path: Path,
) -> None:
    """§1.6.11 / §1.6.12: once DeleteQueue or DeleteStream removed an API-made resource,
    CreateEventSourceMapping on its ARN is refused with AWS's not-found texts."""
    async with running_headrace(tmp_path, project(tmp_path)) as running:
        sqs, kinesis, lam = (running.client(s) for s in ("sqs", "kinesis", "lambda"))
        url = (await call(sqs.create_queue, QueueName="made"))["QueueUrl"]
        await call(kinesis.create_stream, StreamName="made-stream", ShardCount=1)
        await call(sqs.delete_queue, QueueUrl=url)
        await call(kinesis.delete_stream, StreamName="made-stream")
        with pytest.raises(lam.exceptions.InvalidParameterValueException) as refused:
            await call(lam.create_event_source_mapping, FunctionName="fn", EventSourceArn=MADE_ARN)
        assert refused.value.response["Error"]["Message"] == QUEUE_NOT_FOUND
        with pytest.raises(lam.exceptions.InvalidParameterValueException) as missing:
            await call(
                lam.create_event_source_mapping,
                FunctionName="fn",
                EventSourceArn=MADE_STREAM_ARN,
                StartingPosition="TRIM_HORIZON",
            )
        assert missing.value.response["Error"]["Message"] == f"Stream not found: {MADE_STREAM_ARN}"
        assert await call(lam.list_event_source_mappings) | {"ResponseMetadata": None} == {
            "EventSourceMappings": [],
            "ResponseMetadata": None,
        }


async def test_deleting_the_queue_a_mapping_reads(tmp_path: Path) -> None:
    """DeleteQueue of the queue a mapping reads: the mapping stays (Get finds it, as on
    AWS), its status shows §1.6.11's NonExistentQueue problem, the run goes on and another
    queue's mapping keeps delivering; a queue made again under the name is read again.
    After a restart without the queue, the stored mapping is not lost: it is back once the
    queue is."""
    config = project(tmp_path, [{"FunctionName": "fn2", "EventSourceArn": QUEUE_ARN}])
    async with running_headrace(tmp_path, config) as running:
        sqs, lam = running.client("sqs"), running.client("lambda")
        url = (await call(sqs.create_queue, QueueName="made"))["QueueUrl"]
        mapping = await call(
            lam.create_event_source_mapping, FunctionName="fn", EventSourceArn=MADE_ARN
        )
        uuid = mapping["UUID"]
        await settled(lam, uuid)
        await call(sqs.delete_queue, QueueUrl=url)
        problem = f"PROBLEM: {QUEUE_NOT_FOUND}"

        async def shown() -> bool:
            return await mapping_problem(running, uuid) == problem

        await wait_until(shown, lambda: "the mapping's problem to show")
        assert (await call(lam.get_event_source_mapping, UUID=uuid))["State"] == "Enabled"
        orders = (await call(sqs.get_queue_url, QueueName="orders"))["QueueUrl"]
        await call(sqs.send_message, QueueUrl=orders, MessageBody="other queue")
        await wait_for(lambda: bodies(tmp_path) == ["other queue"], "the other queue's message")
        url = (await call(sqs.create_queue, QueueName="made"))["QueueUrl"]
        await call(sqs.send_message, QueueUrl=url, MessageBody="made again")
        await wait_for(lambda: "made again" in bodies(tmp_path), "the remade queue read")
        await call(sqs.delete_queue, QueueUrl=url)
    async with running_headrace(tmp_path, config) as running:
        sqs, lam = running.client("sqs"), running.client("lambda")
        listed = (await call(lam.list_event_source_mappings))["EventSourceMappings"]
        assert uuid not in {m["UUID"] for m in listed}  # its queue is gone: not restored
        await call(sqs.create_queue, QueueName="made")
    async with running_headrace(tmp_path, config) as running:
        lam = running.client("lambda")
        await settled(lam, uuid)  # kept stored: back with its queue
