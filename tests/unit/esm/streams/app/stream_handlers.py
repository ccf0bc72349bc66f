"""Handlers of the stream engine's CLI tests: each logs the records it got to STREAM_LOG.

One JSON line per record, written in a single append: the engine process id (``run``: a
restart has a new one), the partition key, the data, and whether the batch was final.
"""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any

LOG = os.environ.get("STREAM_LOG", "stream-log.jsonl")
POISON = os.environ.get("STREAM_POISON", "poison")
SLEEP = float(os.environ.get("STREAM_SLEEP", "0"))


def _log(event: dict[str, Any]) -> list[str]:
    lines = []
    data = []
    for record in event["Records"]:
        text = base64.b64decode(record["kinesis"]["data"]).decode()
        data.append(text)
        entry = {"run": os.getppid(), "key": record["kinesis"]["partitionKey"], "data": text}
        lines.append(json.dumps(entry) + "\n")
    if lines:
        fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, "".join(lines).encode())
        finally:
            os.close(fd)
    return data


def handler(event: dict[str, Any], context: Any) -> None:
    """Logs the batch, then fails if it holds the poison record."""
    data = _log(event)
    if SLEEP:
        time.sleep(SLEEP)
    if POISON in data:
        raise ValueError(f"poison record {POISON}")


def table_handler(event: dict[str, Any], context: Any) -> None:
    """Logs each DynamoDB record's event name and key (one JSON line per record)."""
    lines = []
    for record in event["Records"]:
        entry = {
            "run": os.getppid(),
            "eventName": record["eventName"],
            "keys": record["dynamodb"]["Keys"],
            "source": record["eventSourceARN"],
        }
        lines.append(json.dumps(entry) + "\n")
    fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, "".join(lines).encode())
    finally:
        os.close(fd)
