"""A project for the Lambda API tests: embedded queues, a stream, a table, functions that
log what they receive or fail, and helpers to call boto3 off the event loop."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

from endpoint_support import ACCOUNT, REGION

QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders"
FIFO_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders.fifo"
STREAM_ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/clicks"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/users"
WAIT = 20.0
# Logs each record's body (SQS) or the whole event (direct Invoke); fails on {"boom": ...};
# a record or event "hold" logs "holding" and waits until the RELEASE file exists.
HANDLER = """
import json, os, time

def handle(event, context):
    if event.get("boom"):
        raise ValueError("boom asked")
    with open(os.environ["LOG"], "a") as log:
        for record in event.get("Records", [event]):
            item = record.get("body", record)
            if item == "hold" or item == {"hold": True}:
                log.write(json.dumps("holding") + "\\n")
                log.flush()
                while not os.path.exists(os.environ["RELEASE"]):
                    time.sleep(0.01)
            log.write(json.dumps(item) + "\\n")
    return {"echo": event}
"""


def project(root: Path, mappings: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The config of the tests' project in ``root`` (its handler written there)."""
    (root / "src").mkdir(exist_ok=True)
    (root / "src" / "h.py").write_text(HANDLER)
    function = {
        "Handler": "h.handle",
        "CodeUri": "./src",
        "Timeout": 5,
        "Environment": {
            "Variables": {"LOG": str(root / "log.jsonl"), "RELEASE": str(root / "release")}
        },
    }
    return {
        "queues": {
            "orders": {"VisibilityTimeout": 30},
            "short": {"VisibilityTimeout": 2},
            "orders.fifo": {"FifoQueue": True, "ContentBasedDeduplication": True},
        },
        "streams": {"clicks": {"ShardCount": 1}},
        "tables": {
            "users": {
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
            }
        },
        "functions": {"fn": function, "fn2": {**function, "ReservedConcurrentExecutions": 2}},
        "event_source_mappings": mappings or [],
    }


def logged(root: Path) -> list[Any]:
    path = root / "log.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def wait_for(condition: Callable[[], Any], what: str) -> None:
    """Wait until ``condition()`` holds (a bounded wait for work done elsewhere)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def call(method: Callable[..., Any], **params: Any) -> Any:
    """A boto3 call, off the loop the App runs on."""
    return await asyncio.to_thread(partial(method, **params))


async def settled(lam: Any, uuid: str, state: str = "Enabled") -> dict[str, Any]:
    """GetEventSourceMapping once the mapping rests in ``state``."""
    found: dict[str, Any] = {}

    async def check() -> bool:
        found.update(await call(lam.get_event_source_mapping, UUID=uuid))
        return found["State"] == state

    await wait_until(check, lambda: f"mapping {uuid} stayed {found.get('State')}, not {state}")
    return found


async def wait_until(check: Callable[[], Awaitable[bool]], failure: Callable[[], str]) -> None:
    """:func:`wait_for` for a condition that awaits (a boto3 call off the loop); the
    AssertionError's text is ``failure()`` when the wait runs out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(failure())
        await asyncio.sleep(0.02)
