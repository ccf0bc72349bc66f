"""End to end: `headrace run` enforces MemorySize as Lambda does, unless told not to.

A handler that allocates far more than its MemorySize is killed; the invocation fails with
Lambda's ``Runtime.OutOfMemory`` ("Runtime exited with error: signal: killed") and the
message is dead-lettered as after any function error. ``enforce_memory: false`` lets the
same handler run.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
from e2e_project import Project, function, mapping, queue

pytestmark = pytest.mark.e2e

# Far more than MemorySize; bounded so a broken check does not take the machine's memory.
OVER_MB = 1024
# The functions' Timeout (and the queue's visibility): longer than the allocation takes.
TIMEOUT = 10

GREEDY = """
import os


def handler(event, context):
    chunks = [b"x" * (16 << 20) for _ in range(int(os.environ["ALLOCATE_MB"]) // 16)]
    return len(chunks)
"""


def configure(project: Project, allocate_mb: int, **top: Any) -> None:
    fn = function("greedy.handler", timeout=TIMEOUT, variables={"ALLOCATE_MB": str(allocate_mb)})
    project.configure(
        queues={
            "orders": queue(visibility=TIMEOUT, dlq="orders-dlq", max_receives=1),
            "orders-dlq": {},
        },
        functions={"fn": {**fn, "MemorySize": 128}},
        mappings=[mapping("fn", "orders")],
        **top,
    )
    (project.root / "src" / "greedy.py").write_text(textwrap.dedent(GREEDY))


def test_handler_over_memory_size_fails_out_of_memory_and_is_dead_lettered(
    project: Project,
) -> None:
    """§4.2.17: out-of-memory is a function error; the message is dead-lettered (§4.1.2)."""
    configure(project, OVER_MB)
    project.send("orders", "big")
    stderr = project.drain().stderr
    assert "Runtime.OutOfMemory: the function used" in stderr
    assert "over its MemorySize of 128 MB" in stderr
    assert "Error: Runtime exited with error: signal: killed" in stderr
    assert project.bodies("orders-dlq") == ["big"]
    assert project.bodies("orders") == []


def test_enforce_memory_false_lets_the_handler_use_more(project: Project) -> None:
    """enforce_memory: false: MemorySize is only reported; the batch succeeds."""
    configure(project, 256, enforce_memory=False)
    project.send("orders", "big")
    stderr = project.drain().stderr
    assert "OutOfMemory" not in stderr
    assert project.bodies("orders-dlq") == []
    assert project.bodies("orders") == []
