"""Documents, recorded AWS texts and fixture types that config tests build on.

The account is ``111111111111``, the one AWS's recorded messages use, so recorded texts need
only their ``<partition>``, ``<region>``, ``<resource:N>`` and ``<uuid:N>`` placeholders filled.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from headrace.config import Config

ACCOUNT = "111111111111"
REGION = "us-east-1"
RECORDED = Path(__file__).parents[2] / "fixtures" / "config" / "recorded_errors.json"

# The types of conftest.py's fixtures, for annotating the tests that take them.
Write = Callable[[Any], Path]
Problems = Callable[[Any], list[str]]
Loaded = Callable[[Any], Config]


def queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def stream_arn(name: str) -> str:
    return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"


def table_stream_arn(name: str, label: str = "2025-02-22T03:03:25.490") -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}/stream/{label}"


def base_document() -> dict[str, Any]:
    """A valid config with one of each resource and no mappings."""
    return {
        "region": REGION,
        "account": ACCOUNT,
        "queues": {
            "orders": {"VisibilityTimeout": 30},
            "orders-dlq": {},
            "jobs.fifo": {"FifoQueue": True},
        },
        "streams": {"clicks": {"ShardCount": 2}},
        "tables": {
            "users": {
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
            }
        },
        "functions": {"f": {"Handler": "orders.handler", "CodeUri": "src", "Timeout": 3}},
        "event_source_mappings": [],
    }


def with_mapping(**fields: Any) -> dict[str, Any]:
    """The base document with one mapping of function ``f``."""
    document = base_document()
    document["event_source_mappings"] = [{"FunctionName": "f", **fields}]
    return document


def recorded(key: str, **fills: str) -> str:
    """A recorded AWS error message with its placeholders filled (``resource_1="orders"``)."""
    message: str = json.loads(RECORDED.read_text())[key]["Message"]
    message = message.replace("<partition>", "aws").replace("<region>", REGION)
    for name, value in fills.items():
        kind, _, number = name.rpartition("_")
        message = message.replace(f"<{kind}:{number}>", value)
    return message


def recorded_code(key: str) -> str:
    code: str = json.loads(RECORDED.read_text())[key]["Code"]
    return code
