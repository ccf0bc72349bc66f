"""Shared values of the embedded broker's tests (imported by name: no package here)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from headrace.broker import QueueBroker
from headrace.config.model import QueueConfig, RedrivePolicy

REGION = "us-east-1"
ACCOUNT = "123456789012"

BrokerFactory = Callable[..., QueueBroker]


def queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def declared_queues() -> dict[str, QueueConfig]:
    """The queues most tests use: a standard queue with a DLQ, FIFO ones, a plain one."""
    return {
        "orders": QueueConfig(
            name="orders",
            redrive_policy=RedrivePolicy(
                dead_letter_target_arn=queue_arn("orders-dlq"), max_receive_count=3
            ),
        ),
        "orders-dlq": QueueConfig(name="orders-dlq"),
        "plain": QueueConfig(name="plain", visibility_timeout=10),
        "jobs.fifo": QueueConfig(
            name="jobs.fifo",
            fifo_queue=True,
            redrive_policy=RedrivePolicy(
                dead_letter_target_arn=queue_arn("jobs-dlq.fifo"), max_receive_count=2
            ),
        ),
        "jobs-dlq.fifo": QueueConfig(name="jobs-dlq.fifo", fifo_queue=True),
        "cbd.fifo": QueueConfig(name="cbd.fifo", fifo_queue=True, content_based_deduplication=True),
    }


def start_script(script: Path, *args: str) -> subprocess.Popen[str]:
    """Run ``script`` in another interpreter that imports what this one does; stdout piped."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.Popen(
        [sys.executable, str(script), *args], stdout=subprocess.PIPE, text=True, env=env
    )
