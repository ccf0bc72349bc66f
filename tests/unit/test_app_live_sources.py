"""Mappings created on a running ``headrace run`` (App on a real data_dir) open their source
through its kind, and a deleted mapping closes what only it used (issue 9, for issue 10)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from headrace.app import App, RunOptions
from headrace.config.load import load_config
from headrace.config.model import EventSourceMappingConfig
from headrace.errors import InvalidParameterValueException
from headrace.esm.engine import Engine
from headrace.esm.lifecycle import MappingState

pytestmark = pytest.mark.timeout(60)

REGION, ACCOUNT = "us-east-1", "000000000000"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders"
STREAM_ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/clicks"
WAIT = 20.0
# Logs each record's body (SQS) or data (Kinesis), one JSON line per record.
HANDLER = """
import base64, json, os

def handle(event, context):
    with open(os.environ["LOG"], "a") as log:
        for record in event["Records"]:
            if "kinesis" in record:
                text = base64.b64decode(record["kinesis"]["data"]).decode()
            else:
                text = record["body"]
            log.write(json.dumps(text) + "\\n")
"""


def project(root: Path) -> Path:
    """A config with a queue and a stream declared but no mapping: all come at run time."""
    (root / "src").mkdir()
    (root / "src" / "h.py").write_text(HANDLER)
    function = {
        "Handler": "h.handle",
        "CodeUri": "./src",
        "Timeout": 5,
        "Environment": {"Variables": {"LOG": str(root / "log.jsonl")}},
    }
    data = {
        "region": REGION,
        "account": ACCOUNT,
        "data_dir": ".headrace",
        "queues": {"orders": {"VisibilityTimeout": 30}},
        "streams": {"clicks": {"ShardCount": 1}},
        "functions": {"fn": function, "fn2": function},
        "event_source_mappings": [],
    }
    path = root / "headrace.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def logged(root: Path) -> list[str]:
    path = root / "log.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def wait_for(condition: Callable[[], Any], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def mapping(arn: str, **fields: Any) -> EventSourceMappingConfig:
    data: dict[str, Any] = {"FunctionName": "fn", "EventSourceArn": arn, **fields}
    if "kinesis" in arn:
        data.setdefault("StartingPosition", "TRIM_HORIZON")
    return EventSourceMappingConfig.from_aws(data)


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[App]:
    """An App running on ``tmp_path`` with no mapping yet; stopped at the end."""
    app = App(load_config(project(tmp_path)))
    task = asyncio.create_task(app.run(RunOptions(port=None)))
    await wait_for(lambda: app.engine is not None or task.done(), "the engine to start")
    assert not task.done(), task
    yield app
    app.stop()
    await asyncio.wait_for(task, WAIT)


def engine_of(app: App) -> Engine:
    assert app.engine is not None
    return app.engine


async def send(app: App, body: str) -> None:
    await app.broker.call(app.broker.queues.send_message, "orders", body)


async def put(app: App, data: str) -> None:
    streams = app.sources.streams
    assert streams is not None, "the streams file is open while a stream mapping lives"
    await streams.storage.put_record("clicks", data.encode(), "k")


async def test_a_mapping_created_at_run_time_opens_its_embedded_queue(
    running: App, tmp_path: Path
) -> None:
    """§1.4.2: Creating in the response, Enabled once it runs; the queue is read."""
    engine = engine_of(running)
    created = await engine.create(mapping(QUEUE_ARN))
    assert created.state is MappingState.CREATING
    assert running.sources.get(created.uuid) is not None
    await send(running, "hello")
    await wait_for(lambda: logged(tmp_path) == ["hello"], "the message to be processed")
    assert engine.get(created.uuid).state is MappingState.ENABLED


async def test_delete_closes_the_source_and_a_new_create_opens_it_again(
    running: App, tmp_path: Path
) -> None:
    """§1.4.7: gone after Deleting; what it opened is closed; created again, it reads."""
    engine = engine_of(running)
    uuid = (await engine.create(mapping(QUEUE_ARN))).uuid
    await send(running, "one")
    await wait_for(lambda: logged(tmp_path) == ["one"], "the first message")
    assert engine.delete(uuid).state is MappingState.DELETING
    await engine.settled(uuid)
    assert running.sources.get(uuid) is None
    assert engine.list() == []
    await send(running, "two")  # nobody reads it now
    await asyncio.sleep(0.5)
    assert logged(tmp_path) == ["one"]
    await engine.create(mapping(QUEUE_ARN))
    await wait_for(lambda: logged(tmp_path) == ["one", "two"], "the second message")


async def test_an_undeclared_embedded_queue_is_refused_at_create(running: App) -> None:
    """§1.6.11: a queue that does not exist is InvalidParameterValueException at create,
    with AWS's message; no mapping is kept and nothing stays open."""
    engine = engine_of(running)
    with pytest.raises(InvalidParameterValueException) as caught:
        await engine.create(mapping(f"arn:aws:sqs:{REGION}:{ACCOUNT}:missing"))
    assert "AWS.SimpleQueueService.NonExistentQueue" in str(caught.value)
    assert engine.list() == []
    assert running.sources.opened == {}


async def test_an_undeclared_embedded_stream_is_refused_at_create(running: App) -> None:
    """§1.6.12: "Stream not found: <arn>"; the streams file is not opened for it."""
    engine = engine_of(running)
    arn = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/missing"
    with pytest.raises(InvalidParameterValueException, match=f"Stream not found: {arn}"):
        await engine.create(mapping(arn))
    assert engine.list() == []
    assert running.sources.streams is None


async def test_a_stream_mapping_opens_the_streams_file_and_its_last_delete_closes_it(
    running: App, tmp_path: Path
) -> None:
    """The streams file and checkpoint store are opened on first need and closed with the
    last stream mapping; created again (same function and source: the same UUID), the
    mapping resumes at its checkpoint (§7.3, §7.4) rather than reading from TRIM_HORIZON."""
    engine = engine_of(running)
    assert running.sources.streams is None
    assert running.sources.checkpoints is None
    uuid = (await engine.create(mapping(STREAM_ARN))).uuid
    assert running.sources.streams is not None
    assert running.sources.checkpoints is not None
    await put(running, "r1")
    await wait_for(lambda: logged(tmp_path) == ["r1"], "the first record")
    engine.delete(uuid)
    await engine.settled(uuid)
    assert running.sources.streams is None
    assert running.sources.checkpoints is None
    again = await engine.create(mapping(STREAM_ARN))
    assert again.uuid == uuid
    await put(running, "r2")
    await wait_for(lambda: logged(tmp_path) == ["r1", "r2"], "the second record")
    await asyncio.sleep(0.5)
    assert logged(tmp_path) == ["r1", "r2"]  # r1 was not read again


async def test_two_stream_mappings_share_the_streams_file_until_the_last_is_deleted(
    running: App,
) -> None:
    engine = engine_of(running)
    first = (await engine.create(mapping(STREAM_ARN))).uuid
    streams = running.sources.streams
    second = (await engine.create(mapping(STREAM_ARN, FunctionName="fn2"))).uuid
    assert running.sources.streams is streams
    await engine.settled(first)  # §1.4.8: not deleted while Creating
    await engine.settled(second)
    engine.delete(first)
    await engine.settled(first)
    assert running.sources.streams is streams
    engine.delete(second)
    await engine.settled(second)
    assert running.sources.streams is None


def stray_tasks() -> list[asyncio.Task[Any]]:
    current = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not current and not t.done()]


async def test_no_task_headrace_started_outlives_the_run(tmp_path: Path) -> None:
    """Issue 9, every task in a group: after a run with a queue and a stream mapping (the
    status publisher, the combined broker calls, the mappings' tasks), nothing is left."""
    before = set(asyncio.all_tasks())
    app = App(load_config(project(tmp_path)))
    run = asyncio.create_task(app.run(RunOptions(port=None)))
    await wait_for(lambda: app.engine is not None or run.done(), "the engine to start")
    engine = engine_of(app)
    queue = (await engine.create(mapping(QUEUE_ARN))).uuid
    await engine.create(mapping(STREAM_ARN))
    await send(app, "m")
    await put(app, "r")
    await wait_for(lambda: sorted(logged(tmp_path)) == ["m", "r"], "both to be processed")
    engine.delete(queue)
    await engine.settled(queue)
    app.stop()
    await asyncio.wait_for(run, WAIT)
    await asyncio.sleep(0)
    assert [t for t in stray_tasks() if t not in before] == []


async def test_a_mapping_of_an_unknown_function_is_refused_and_opens_nothing(
    running: App,
) -> None:
    """§1.6.2: "Function does not exist"; nothing is opened for it."""
    engine = engine_of(running)
    with pytest.raises(InvalidParameterValueException, match="Function does not exist"):
        await engine.create(mapping(STREAM_ARN, FunctionName="nobody"))
    assert engine.list() == []
    assert running.sources.opened == {}
    assert running.sources.streams is None
