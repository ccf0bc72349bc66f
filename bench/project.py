"""A headrace project in a temporary folder: config, pre-filled queues, a running engine.

The bench drives headrace the way a user does: a ``headrace.yaml``, messages sent to the
embedded broker's file, and ``headrace run`` as its own process with worker processes.
"""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.common import BIN, HANDLERS, start
from headrace.broker.queue_broker import QueueBroker
from headrace.broker.queue_results import SendEntry
from headrace.config.load import load_config

REGION = "us-east-1"
ACCOUNT = "000000000000"
# SendMessageBatch's cap: the bench fills queues the way a producer can.
SEND_BATCH = 10


def queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def stream_arn(name: str) -> str:
    return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"


@dataclass
class Project:
    """A headrace.yaml under ``root``; handlers come from ``bench/handlers``."""

    root: Path
    queues: dict[str, dict[str, Any]] = field(default_factory=dict)
    streams: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    functions: dict[str, dict[str, Any]] = field(default_factory=dict)
    mappings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def config_path(self) -> Path:
        return self.root / "headrace.yaml"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def function(self, name: str, handler: str, **extra: Any) -> None:
        self.functions[name] = {
            "Handler": handler,
            "CodeUri": str(HANDLERS),
            "Timeout": 30,
            **extra,
        }

    def write(self) -> Path:
        document: dict[str, Any] = {
            "region": REGION,
            "account": ACCOUNT,
            "data_dir": str(self.data_dir),
            "queues": self.queues,
            "functions": self.functions,
            "event_source_mappings": self.mappings,
        }
        if self.streams:
            document["streams"] = self.streams
        if self.tables:
            document["tables"] = self.tables
        self.config_path.write_text(yaml.safe_dump(document, sort_keys=False))
        return self.config_path

    def broker(self) -> QueueBroker:
        """The queue broker over this project's file (as `headrace send` opens it)."""
        config = load_config(self.write())
        return QueueBroker(
            config.data_dir / "broker.sqlite3", config.queues, region=REGION, account=ACCOUNT
        )

    def run(self, *extra: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        """Start ``headrace run`` for this project (no HTTP endpoint)."""
        argv = [str(BIN / "headrace"), "run", "-c", str(self.config_path), "--port", "0", *extra]
        return start(argv, cwd=self.root, env=dict(env or {}))

    def remaining(self, queue: str) -> Callable[[], int]:
        """A cheap reader of how many messages ``queue`` still holds (any state)."""
        conn = sqlite3.connect(f"file:{self.data_dir / 'broker.sqlite3'}?mode=ro", uri=True)
        (queue_id,) = conn.execute("SELECT id FROM queues WHERE name = ?", (queue,)).fetchone()

        def count() -> int:
            (n,) = conn.execute(
                "SELECT count(*) FROM messages WHERE queue_id = ?", (queue_id,)
            ).fetchone()
            return int(n)

        return count


def fill(
    broker: QueueBroker,
    queue: str,
    bodies: Iterable[str],
    *,
    group: Callable[[int], str] | None = None,
) -> int:
    """Send ``bodies`` in SendMessageBatch calls of 10; return how many were sent."""
    sent = 0
    entries: list[SendEntry] = []
    for i, body in enumerate(bodies):
        gid = group(i) if group is not None else None
        entries.append(SendEntry(id=str(len(entries)), body=body, message_group_id=gid))
        if len(entries) == SEND_BATCH:
            sent += _send(broker, queue, entries)
            entries = []
    if entries:
        sent += _send(broker, queue, entries)
    return sent


def _send(broker: QueueBroker, queue: str, entries: list[SendEntry]) -> int:
    result = broker.send_message_batch(queue, entries)
    if result.failed:
        raise RuntimeError(f"send failed: {result.failed[0]}")
    return len(result.successful)
