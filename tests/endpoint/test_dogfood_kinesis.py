"""Dogfood (issue 10): headrace's real-AWS Kinesis source (aiobotocore) reads a stream that
another headrace serves on its endpoint, as if that endpoint were AWS."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from dogfood_support import aws_environment, reader_project  # noqa: F401 (a fixture)
from endpoint_support import call, running_headrace

from headrace.app import App, RunOptions
from headrace.config.load import load_config

pytestmark = pytest.mark.timeout(90)

# Bound on the reader's run until drained.
RUN_TIMEOUT = 45.0
HANDLER = """
import base64, json, os

def handle(event, context):
    data = [base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"]]
    with open(os.environ["LOG"], "a") as log:
        log.write(json.dumps(data) + "\\n")
"""


@pytest.mark.usefixtures("aws_environment")
async def test_the_kinesis_source_reads_a_stream_served_by_headrace(tmp_path: Path) -> None:
    """Records put through one headrace's Kinesis API reach a function of another headrace
    whose mapping names the stream's ARN (not declared there, so read as real Kinesis), in
    order, per shard (§5.1), and that run drains."""
    (tmp_path / "server").mkdir()
    async with running_headrace(tmp_path / "server", {}) as server:
        kinesis = server.client("kinesis")
        await call(kinesis, "create_stream", StreamName="feed", ShardCount=1)
        for word in ("one", "two", "three"):
            await call(
                kinesis, "put_record", StreamName="feed", Data=word.encode(), PartitionKey="k"
            )
        summary = await call(kinesis, "describe_stream_summary", StreamName="feed")
        arn = summary["StreamDescriptionSummary"]["StreamARN"]
        mapping = {"EventSourceArn": arn, "StartingPosition": "TRIM_HORIZON"}
        project = reader_project(tmp_path / "reader", server.url, HANDLER, mapping)
        reader = App(load_config(project))
        options = RunOptions(until_drained=True, port=None, timeout=RUN_TIMEOUT)
        result = await asyncio.wait_for(reader.run(options), RUN_TIMEOUT + 15)
    assert result.drained
    lines = (tmp_path / "reader" / "log.jsonl").read_text().splitlines()
    assert [word for line in lines for word in json.loads(line)] == ["one", "two", "three"]
