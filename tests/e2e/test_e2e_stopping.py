"""End to end: how `headrace run` stops — a second signal forces it, back-offs end at once."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from e2e_project import (
    ACCOUNT,
    REGION,
    Project,
    function,
    mapping,
    process_gone,
    queue,
    wait_until,
)

pytestmark = pytest.mark.e2e

# Long enough that a held batch never times out or reappears while a test holds it: a
# message seen again at once after a forced stop was handed back, not timed out.
HOLD_TIMEOUT = 20
# "Within a couple of seconds": a forced stop kills the worker and returns the batch.
FORCED_EXIT_SECONDS = 5.0
# Bound on the exit of a run whose lanes sleep in back-offs of 8 s and more, once it is
# stopped. The stop itself takes milliseconds (the unit tests show it on a fake clock); the
# rest is the process's own exit (the interpreter's teardown, botocore loaded), which takes
# up to a second or two on a loaded machine. Without the fix the exit waits out the 8 s.
BACKED_OFF_EXIT_SECONDS = 3.0
# Bound on the old workers' exit (they are killed; this only absorbs a slow /proc).
ORPHAN_WAIT = 10.0


def start_holding(project: Project) -> tuple[subprocess.Popen[str], str]:
    """Start `run`, send a message whose handler waits for the release file; return once
    the handler has it."""
    project.configure(
        queues={"orders": queue(visibility=HOLD_TIMEOUT)},
        functions={"fn": function(timeout=HOLD_TIMEOUT)},
        mappings=[mapping("fn", "orders")],
    )
    process = project.start("run", "--port", "0")
    [message_id] = project.send("orders", "hold:1")
    started: Path = project.root / f"started-{message_id}"
    wait_until(started.exists, "the held batch to start")
    return process, message_id


@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"]
)
def test_second_signal_forces_the_stop_and_returns_the_batch(
    project: Project, sig: signal.Signals, code: int
) -> None:
    """design.md, issue 8: the first signal waits for the batch; the second kills the worker,
    puts the message back at once (not deleted) and exits 128 + the signal's number."""
    process, message_id = start_holding(project)
    process.send_signal(sig)
    wait_until(lambda: "stopping" in project.stderr_of(process), "the graceful stop to begin")
    assert process.poll() is None, "the first signal waits for the in-flight batch"
    process.send_signal(sig)
    assert process.wait(timeout=FORCED_EXIT_SECONDS) == code, project.stderr_of(process)
    stderr = project.stderr_of(process)
    assert f"headrace: stopped by a second {sig.name}" in stderr
    assert "Traceback" not in stderr
    workers = {int(e["pid"]) for e in project.entries() if e["event"] == "start"}
    assert workers, "the handler logged its worker's pid"
    wait_until(lambda: all(process_gone(pid) for pid in workers), "the worker's exit", ORPHAN_WAIT)
    assert project.records() == [], "the held invocation never finished"
    # Handed back, not left to its 20 s visibility timeout, and not deleted.
    assert project.depth("orders") == {"Visible": 1, "InFlight": 0, "Delayed": 0}
    project.release_path.touch()
    project.drain()
    assert [e["messageId"] for e in project.records("ok")] == [message_id]
    assert project.depth("orders") == {"Visible": 0, "InFlight": 0, "Delayed": 0}


def test_forced_stop_leaves_the_in_flight_stream_batch_for_the_next_run(
    project: Project,
) -> None:
    """Issue 8, §7.3: a forced stop does not checkpoint the records of the killed
    invocation; the next run reads them again."""
    project.configure(
        queues={},
        streams={"clicks": {"ShardCount": 1}},
        functions={"fn": function("stream_handlers.held", timeout=HOLD_TIMEOUT)},
        mappings=[
            {
                "FunctionName": "fn",
                "EventSourceArn": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/clicks",
                "StartingPosition": "TRIM_HORIZON",
            }
        ],
    )
    project.ok("put", "clicks", "one", "--partition-key", "k")
    process = project.start("run", "--port", "0")
    wait_until((project.root / "started-stream").exists, "the held batch to start")
    process.send_signal(signal.SIGTERM)
    wait_until(lambda: "stopping" in project.stderr_of(process), "the graceful stop to begin")
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=FORCED_EXIT_SECONDS) == 143, project.stderr_of(process)
    project.release_path.touch()
    project.drain()
    assert [e["data"] for e in project.entries()] == [["one"], ["one"]]


def test_lane_in_an_error_back_off_stops_at_once(
    project: Project, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 8: a lane sleeping in its back-off after source errors (the real SQS queue was
    deleted) wakes at stop: SIGTERM ends the run at once, exit 0."""
    import boto3

    sqs = boto3.client("sqs", endpoint_url=moto_endpoint, region_name="us-east-1")
    url = sqs.create_queue(QueueName="vanishing")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    project.configure(
        queues={},
        functions={"fn": function()},
        mappings=[{"FunctionName": "fn", "EventSourceArn": queue_arn}],
        aws={"endpoint_url": moto_endpoint},
    )
    process = project.start("run", "--port", "0")
    wait_until(lambda: project.status()["Engine"]["Running"], "the engine to start")
    sqs.delete_queue(QueueUrl=url)
    # The back-off doubles from 1 s: wait until a lane sleeps 8 s or more.
    wait_until(
        lambda: any(f"retrying in {s} s" in project.stderr_of(process) for s in (8, 16, 30)),
        "a lane to back off for 8 s",
    )
    stopped = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=30)
    took = time.monotonic() - stopped
    assert code == 0, project.stderr_of(process)
    assert took < BACKED_OFF_EXIT_SECONDS, f"took {took:.2f} s to stop"
