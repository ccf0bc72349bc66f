"""Dogfood (issue 10): headrace's real-AWS Kinesis source (aiobotocore) reads a stream that
another headrace serves on its endpoint, as if that endpoint were AWS."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import yaml
from endpoint_support import call, running_headrace
from tests.conftest import MOTO_ENVIRONMENT, MOTO_UNSET

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


def reader_project(root: Path, endpoint: str, stream_arn: str) -> Path:
    """A project whose only mapping reads ``stream_arn`` through AWS at ``endpoint``."""
    root.mkdir()
    (root / "src").mkdir()
    (root / "src" / "h.py").write_text(HANDLER)
    data = {
        "region": "us-east-1",
        # Another account than the server's: the ARN names no embedded stream here.
        "account": "111111111111",
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
        "event_source_mappings": [
            {"FunctionName": "fn", "EventSourceArn": stream_arn, "StartingPosition": "TRIM_HORIZON"}
        ],
    }
    path = root / "headrace.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and nothing of the developer's, as the moto tests have them."""
    for name, value in MOTO_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    for name in MOTO_UNSET:
        monkeypatch.delenv(name, raising=False)


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
        reader = App(load_config(reader_project(tmp_path / "reader", server.url, arn)))
        options = RunOptions(until_drained=True, port=None, timeout=RUN_TIMEOUT)
        result = await asyncio.wait_for(reader.run(options), RUN_TIMEOUT + 15)
    assert result.drained
    lines = (tmp_path / "reader" / "log.jsonl").read_text().splitlines()
    assert [word for line in lines for word in json.loads(line)] == ["one", "two", "three"]
