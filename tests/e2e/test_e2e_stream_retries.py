"""End to end: a failing stream batch's retry count survives a SIGKILL (issue 8, §4.2.4)."""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3

import pytest
from e2e_project import ACCOUNT, REGION, Project, arn, function, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.crash]

STREAM_ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/clicks"
# Seven invocations in all (§4.2.4: N + 1). The kill comes after the fifth, while the lane
# waits 1.6 s before the sixth (the retry back-off doubles from 0.1 s).
MAXIMUM_RETRY_ATTEMPTS = 6
KILLED_AFTER = 5


def invocations(project: Project) -> list[dict[str, object]]:
    return [e for e in project.entries() if e["event"] == "stream"]


def stored_invocations(project: Project) -> int | None:
    """The invocation count state.sqlite3 keeps for the retrying batch (None: nothing)."""
    path = project.root / ".headrace" / "state.sqlite3"
    if not path.exists():
        return None
    # Read-only: a bare connect would create the file under the starting engine's feet.
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        try:
            rows = db.execute("SELECT batches FROM stream_retries").fetchall()
        except sqlite3.OperationalError:  # no such table (yet)
            return None
    counts = [state[2] for (text,) in rows for state in json.loads(text)]
    return max(counts, default=None)


def test_sigkill_does_not_give_a_failing_batch_fresh_retries(project: Project) -> None:
    """§4.2.4, §4.2.13: killed after 5 of 7 invocations, the restart makes the last 2 and
    reports approximateInvokeCount 7."""
    project.configure(
        queues={"failures": {}},
        streams={"clicks": {"ShardCount": 1}},
        functions={"fn": function("stream_handlers.poisoned", timeout=5)},
        mappings=[
            {
                "FunctionName": "fn",
                "EventSourceArn": STREAM_ARN,
                "StartingPosition": "TRIM_HORIZON",
                "MaximumRetryAttempts": MAXIMUM_RETRY_ATTEMPTS,
                "DestinationConfig": {"OnFailure": {"Destination": arn("failures")}},
            }
        ],
    )
    project.ok("put", "clicks", "poison:1", "--partition-key", "k")
    process = project.start("run", "--port", "0")
    wait_until(
        lambda: stored_invocations(project) == KILLED_AFTER, "the fifth failure to be stored"
    )
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert len(invocations(project)) == KILLED_AFTER
    project.drain()
    assert len(invocations(project)) == MAXIMUM_RETRY_ATTEMPTS + 1
    [message] = project.messages("failures")
    context = json.loads(message["Body"])["requestContext"]
    assert context["approximateInvokeCount"] == MAXIMUM_RETRY_ATTEMPTS + 1
    assert context["condition"] == "RetryAttemptsExhausted"
