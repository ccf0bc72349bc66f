"""DeleteStream and DeleteTable under a mapping, `headrace status` and API-made mappings,
and the function pool an API-made mapping adds to (issue 10).

Deleting the stream (or the table whose change stream) a mapping reads does not end the run:
the mapping shows §1.6.12's ``Stream not found`` as its LastProcessingResult (as the real
sources show AWS problems, §1.3.5), other mappings keep delivering, and a stream made again
under the name is read from its first record.
"""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from click.testing import CliRunner
from endpoint_support import ACCOUNT, REGION, running_headrace
from lambda_support import (
    QUEUE_ARN,
    STREAM_ARN,
    TABLE_ARN,
    call,
    logged,
    project,
    settled,
    wait_for,
)

from headrace.cli import main

pytestmark = pytest.mark.timeout(180)

OTHER_ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/other"
MADE_QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:made"


def kinesis_data(root: Path) -> list[str]:
    """The Kinesis records' data the handler logged, decoded, in order (§3.2)."""
    return [
        base64.b64decode(item["kinesis"]["data"]).decode()
        for item in logged(root)
        if isinstance(item, dict) and "kinesis" in item
    ]


def table_keys(root: Path) -> list[str]:
    """The keys of the DynamoDB records the handler logged (§3.3), in order."""
    return [
        item["dynamodb"]["Keys"]["id"]["S"]
        for item in logged(root)
        if isinstance(item, dict) and "dynamodb" in item
    ]


async def published_result(url: str, uuid: str) -> str | None:
    """The mapping's LastProcessingResult as the run's /status serves it."""
    async with ClientSession() as http:
        response = await http.get(f"{url}/status")
        body = await response.json(content_type=None)
    for mapping in body["EventSourceMappings"]:
        if mapping["uuid"] == uuid:
            result: str | None = mapping["last_processing_result"]
            return result
    raise AssertionError(f"{uuid} is not in /status: {body}")


async def wait_for_result(url: str, uuid: str, wanted: Any) -> None:
    """Wait until ``wanted(result)`` holds for the mapping's published result."""
    seen: dict[str, str | None] = {}

    async def check() -> bool:
        seen["now"] = await published_result(url, uuid)
        return bool(wanted(seen["now"]))

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20.0
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"{uuid}: LastProcessingResult stayed {seen['now']!r}")
        await asyncio.sleep(0.05)


async def uuid_of(lam: Any, arn: str) -> str:
    listed = (await call(lam.list_event_source_mappings))["EventSourceMappings"]
    found: str = next(m["UUID"] for m in listed if m["EventSourceArn"] == arn)
    return found


async def test_deleting_the_stream_a_mapping_reads(tmp_path: Path) -> None:
    """DeleteStream of a declared stream a file mapping reads: the run goes on, /status
    shows ``PROBLEM: Stream not found: <arn>`` (§1.6.12) for that mapping, an API-made
    stream's mapping keeps delivering; CreateStream under the name again ends the problem
    and its records are delivered from the first one, nothing of the other stream lost."""
    mappings = [{"FunctionName": "fn", "EventSourceArn": STREAM_ARN, "StartingPosition": "LATEST"}]
    async with running_headrace(tmp_path, project(tmp_path, mappings)) as running:
        kinesis, lam = running.client("kinesis"), running.client("lambda")
        await call(kinesis.create_stream, StreamName="other", ShardCount=2)
        other = await call(
            lam.create_event_source_mapping,
            FunctionName="fn2",
            EventSourceArn=OTHER_ARN,
            StartingPosition="TRIM_HORIZON",
        )
        clicks = await uuid_of(lam, STREAM_ARN)
        await settled(lam, clicks)
        await settled(lam, other["UUID"])
        await call(kinesis.put_record, StreamName="clicks", Data=b"c1", PartitionKey="k")
        await wait_for(lambda: kinesis_data(tmp_path) == ["c1"], "the first record")
        await call(kinesis.delete_stream, StreamName="clicks")
        problem = f"PROBLEM: Stream not found: {STREAM_ARN}"
        await wait_for_result(running.url, clicks, lambda r: r == problem)
        sent = [f"o{i}" for i in range(6)]
        for data in sent:
            await call(
                kinesis.put_record, StreamName="other", Data=data.encode(), PartitionKey=data
            )
        await wait_for(lambda: len(kinesis_data(tmp_path)) == 7, "the other stream's records")
        assert sorted(kinesis_data(tmp_path)[1:]) == sent
        assert (await call(lam.get_event_source_mapping, UUID=clicks))["State"] == "Enabled"
        await call(kinesis.create_stream, StreamName="clicks", ShardCount=1)
        await call(kinesis.put_record, StreamName="clicks", Data=b"c2", PartitionKey="k")
        await wait_for(lambda: "c2" in kinesis_data(tmp_path), "the remade stream's record")
        await wait_for_result(running.url, clicks, lambda r: r != problem)
        assert kinesis_data(tmp_path).count("c1") == 1


async def test_deleting_the_table_a_mapping_reads(tmp_path: Path) -> None:
    """DeleteTable of a declared table whose change stream a mapping reads: the run goes
    on, /status shows ``PROBLEM: Stream not found: <stream arn>`` (§1.6.12), and the
    stream mapping of another source keeps delivering."""
    mappings = [
        {"FunctionName": "fn", "EventSourceArn": TABLE_ARN, "StartingPosition": "TRIM_HORIZON"},
        {"FunctionName": "fn2", "EventSourceArn": STREAM_ARN, "StartingPosition": "TRIM_HORIZON"},
    ]
    async with running_headrace(tmp_path, project(tmp_path, mappings)) as running:
        ddb, kinesis, lam = (running.client(s) for s in ("dynamodb", "kinesis", "lambda"))
        users = await uuid_of(lam, TABLE_ARN)
        await settled(lam, users)
        await settled(lam, await uuid_of(lam, STREAM_ARN))
        await call(ddb.put_item, TableName="users", Item={"id": {"S": "u1"}})
        await wait_for(lambda: table_keys(tmp_path) == ["u1"], "the table's record")
        described = await call(ddb.describe_table, TableName="users")
        stream_arn = described["Table"]["LatestStreamArn"]
        await call(ddb.delete_table, TableName="users")
        problem = f"PROBLEM: Stream not found: {stream_arn}"
        await wait_for_result(running.url, users, lambda r: r == problem)
        await call(kinesis.put_record, StreamName="clicks", Data=b"c1", PartitionKey="k")
        await wait_for(lambda: kinesis_data(tmp_path) == ["c1"], "the other mapping's record")
        assert (await call(lam.get_event_source_mapping, UUID=users))["State"] == "Enabled"


async def test_status_lists_mappings_made_through_the_lambda_api(tmp_path: Path) -> None:
    """design.md: ``status`` shows every mapping whichever way it was made: one made by
    CreateEventSourceMapping is in ``headrace status --json`` beside the file's, with its
    queue's depth (the queue made by CreateQueue)."""
    mappings = [{"FunctionName": "fn", "EventSourceArn": QUEUE_ARN}]
    async with running_headrace(tmp_path, project(tmp_path, mappings)) as running:
        sqs, lam = running.client("sqs"), running.client("lambda")
        await call(sqs.create_queue, QueueName="made")
        made = await call(
            lam.create_event_source_mapping, FunctionName="fn2", EventSourceArn=MADE_QUEUE_ARN
        )
        await settled(lam, made["UUID"])
        shown = await asyncio.to_thread(
            CliRunner().invoke, main, ["status", "--json", "-c", str(tmp_path / "headrace.yaml")]
        )
    assert shown.exit_code == 0, shown.output
    listed = json.loads(shown.output)["EventSourceMappings"]
    assert [(m["FunctionName"], m["EventSourceArn"]) for m in listed] == [
        ("fn", QUEUE_ARN),
        ("fn2", MADE_QUEUE_ARN),
    ]
    entry = listed[1]
    assert entry["UUID"] == made["UUID"]
    assert entry["State"] == "Enabled"
    assert entry["Queue"] == {"Visible": 0, "InFlight": 0, "Delayed": 0}


async def test_an_api_made_queue_mapping_grows_its_functions_pool(tmp_path: Path) -> None:
    """§5.6: a queue mapping starts with five concurrent batches, so its function's pool
    is sized five per queue mapping: the file's mapping makes it five, and one made through
    the Lambda API on the same function grows it to ten (default_concurrency is 1)."""
    mappings = [{"FunctionName": "fn", "EventSourceArn": QUEUE_ARN}]
    config = {**project(tmp_path, mappings), "default_concurrency": 1}
    async with running_headrace(tmp_path, config) as running:
        sqs, lam = running.client("sqs"), running.client("lambda")
        before = limits(running.app)["fn"]
        await call(sqs.create_queue, QueueName="made")
        made = await call(
            lam.create_event_source_mapping, FunctionName="fn", EventSourceArn=MADE_QUEUE_ARN
        )
        await settled(lam, made["UUID"])
        after = limits(running.app)["fn"]
    assert (before, after) == (5, 10)


def limits(app: Any) -> dict[str, int]:
    """Each function's concurrency limit, as /status shows it."""
    return {s.function_name: s.concurrency_limit for s in app.function_statistics()}
