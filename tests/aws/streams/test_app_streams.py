"""``headrace run`` wiring: an undeclared Kinesis/DynamoDB ARN is read through AWS, and an
on-failure destination that is a real queue gets the records (in-process App on moto)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from streams_support import Moto

from headrace.app import App, RunOptions
from headrace.config.load import load_config
from headrace.errors import ConfigError

pytestmark = pytest.mark.timeout(90)

# Bound on one run until drained.
RUN_TIMEOUT = 45.0
# The handler: logs each record's data (Kinesis) or item id (DynamoDB); "poison" fails.
HANDLER = """
import base64, json, os

def handle(event, context):
    out = []
    for record in event["Records"]:
        if "kinesis" in record:
            out.append(base64.b64decode(record["kinesis"]["data"]).decode())
        else:
            out.append(record["dynamodb"]["Keys"]["id"]["S"])
    with open(os.environ["LOG"], "a") as log:
        log.write(json.dumps(out) + "\\n")
    if "poison" in out:
        raise RuntimeError("poison")
"""


def project(root: Path, endpoint: str, mapping: dict[str, Any]) -> Path:
    (root / "src").mkdir()
    (root / "src" / "h.py").write_text(HANDLER)
    data = {
        "region": "us-east-1",
        "account": "000000000000",
        "data_dir": ".headrace",
        "aws": {"endpoint_url": endpoint},
        "functions": {
            "fn": {
                "Handler": "h.handle",
                "CodeUri": "./src",
                "Timeout": 5,
                "Environment": {"Variables": {"LOG": str(root / "log.jsonl")}},
            }
        },
        "event_source_mappings": [{"FunctionName": "fn", **mapping}],
    }
    path = root / "headrace.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def logged(root: Path) -> list[list[str]]:
    path = root / "log.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def drain(path: Path) -> App:
    app = App(load_config(path))
    options = RunOptions(until_drained=True, port=None, timeout=RUN_TIMEOUT)
    result = await asyncio.wait_for(app.run(options), RUN_TIMEOUT + 15)
    assert result.drained
    return app


async def test_kinesis_mapping_with_sqs_destination(
    tmp_path: Path, moto: Moto, moto_endpoint: str
) -> None:
    """Issue 4: a real stream is read; a discarded record's on-failure record reaches SQS."""
    arn = moto.stream()
    moto.put(arn, "good")
    moto.put(arn, "poison")
    url, queue_arn = moto.queue()
    mapping = {
        "EventSourceArn": arn,
        "StartingPosition": "TRIM_HORIZON",
        "BatchSize": 1,
        "MaximumRetryAttempts": 0,
        "DestinationConfig": {"OnFailure": {"Destination": queue_arn}},
    }
    await drain(project(tmp_path, moto_endpoint, mapping))
    assert logged(tmp_path) == [["good"], ["poison"]]
    (body,) = moto.bodies(url)
    assert json.loads(body)["KinesisBatchInfo"]["batchSize"] == 1


async def test_dynamodb_stream_mapping_reads_items(
    tmp_path: Path, moto: Moto, moto_endpoint: str
) -> None:
    """Issue 4: a real DynamoDB stream is read through DynamoDB Streams."""
    table, arn = moto.table()
    moto.put_item(table, "a")
    mapping = {"EventSourceArn": arn, "StartingPosition": "TRIM_HORIZON"}
    await drain(project(tmp_path, moto_endpoint, mapping))
    assert logged(tmp_path) == [["a"]]


async def test_dynamodb_at_timestamp_is_refused_at_start(
    tmp_path: Path, moto: Moto, moto_endpoint: str
) -> None:
    """§1.6.6: AT_TIMESTAMP on a DynamoDB stream is refused with AWS's message (at load)."""
    _, arn = moto.table()
    mapping = {
        "EventSourceArn": arn,
        "StartingPosition": "AT_TIMESTAMP",
        "StartingPositionTimestamp": 1_700_000_000,
    }
    path = project(tmp_path, moto_endpoint, mapping)
    with pytest.raises(ConfigError, match=f"Unsupported starting position for arn type: {arn}"):
        load_config(path)
