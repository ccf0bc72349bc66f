"""What only a real SQS queue does, through the whole app: problems, recovery, heartbeat."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading

import pytest
from behaviour_harness import Project, SqsBackend, queue, wait_for

import headrace.esm.queues.queue_poller as queue_poller
from headrace.app import RunOptions
from headrace.errors import InvalidParameterValueException
from headrace.statistics import MappingStatistics

# §1.6.11's text, which a running mapping also shows when its queue disappears.
NON_EXISTENT_QUEUE = (
    "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService."
    "NonExistentQueue. SQS Error Message: The specified queue does not exist."
)
# How often the competing consumer looks for visible messages.
STEAL_POLL_SECONDS = 0.1
# Bound on one CLI run.
CLI_TIMEOUT = 60


def only_mapping(app: object) -> MappingStatistics:
    engine = getattr(app, "engine", None)
    if engine is None:
        return None  # type: ignore[return-value]
    [stats] = engine.statistics()
    return stats


async def test_a_deleted_queue_shows_awss_message_and_the_mapping_recovers(
    sqs_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """§1.6.11: a queue deleted while running is a visible problem; recreated, it is read."""
    # A short idle long poll, so the deletion is noticed within a second, not 20.
    monkeypatch.setattr(queue_poller, "IDLE_WAIT_SECONDS", 1.0)
    backend = sqs_project.backend
    assert isinstance(backend, SqsBackend)
    attrs = queue(backend)
    sqs_project.configure(queues={"orders": attrs}, mappings=[{"queue": "orders"}], concurrency=1)
    app = sqs_project.app()
    running = asyncio.ensure_future(app.run(RunOptions(port=None)))
    try:
        await wait_for(lambda: only_mapping(app) and only_mapping(app).state == "Enabled", "start")
        backend.delete_queue("orders")
        problem = await wait_for(
            lambda: only_mapping(app).last_processing_result.startswith("PROBLEM"), "a problem"
        )
        assert problem
        assert only_mapping(app).last_processing_result == (f"PROBLEM: {NON_EXISTENT_QUEUE}")
        assert only_mapping(app).state == "Enabled"
        backend.create_queue("orders", attrs)
        backend.send("orders", ["ok:after"])
        await wait_for(lambda: sqs_project.records("ok"), "the message after recovery")
        await wait_for(lambda: only_mapping(app).last_processing_result == "OK", "OK")
    finally:
        app.stop()
        await asyncio.wait_for(running, 30)


async def test_messages_waiting_for_a_worker_are_not_delivered_twice(
    sqs_project: Project,
) -> None:
    """§4.1.4 done better: held and in-flight messages are extended, so another consumer of
    the queue never sees them while headrace holds them, and each is delivered once."""
    backend = sqs_project.backend
    assert isinstance(backend, SqsBackend)
    sqs_project.configure(
        queues={"orders": queue(backend, visibility=2)},
        mappings=[{"queue": "orders", "BatchSize": 1}],
        timeout=2,
        concurrency=1,
        variables={"E2E_RECORD_SLEEP": "0.6"},
    )
    bodies = [f"ok:{i}" for i in range(6)]  # the last one waits ~3 s: past the 2 s timeout
    backend.send("orders", bodies)
    done = threading.Event()
    running = asyncio.ensure_future(sqs_project.drain())
    try:
        # One long poll received all six; from the first invocation on, another consumer
        # polls the queue the whole time headrace holds or works on them.
        await wait_for(lambda: sqs_project.records() or running.done(), "the first record")
        competitor = asyncio.ensure_future(asyncio.to_thread(steal, backend, "orders", done))
        await running
    finally:
        done.set()
    assert await competitor == []
    assert sorted(e["body"] for e in sqs_project.records()) == sorted(bodies)
    assert {e["receiveCount"] for e in sqs_project.records()} == {1}


def steal(backend: SqsBackend, name: str, done: threading.Event) -> list[str]:
    """Another consumer of the queue: what it managed to receive until ``done``."""
    stolen: list[str] = []
    while not done.wait(STEAL_POLL_SECONDS):
        got = backend.client.receive_message(
            QueueUrl=backend.url(name), MaxNumberOfMessages=10, VisibilityTimeout=1
        ).get("Messages", [])
        stolen.extend(m["Body"] for m in got)
    return stolen


async def test_startup_refuses_a_queue_that_does_not_exist(sqs_project: Project) -> None:
    """§1.6.11: run refuses a mapping of a real queue that does not exist."""
    sqs_project.configure(queues={}, mappings=[{"queue": "missing"}])
    with pytest.raises(InvalidParameterValueException) as raised:
        await sqs_project.drain()
    assert raised.value.message == NON_EXISTENT_QUEUE


def test_cli_runs_against_aws_endpoint_url(sqs_project: Project, moto_endpoint: str) -> None:
    """design.md: `headrace run` reaches an undeclared queue at AWS_ENDPOINT_URL."""
    backend = sqs_project.backend
    assert isinstance(backend, SqsBackend)
    backend.endpoint_in_config = False
    sqs_project.configure(queues={"orders": queue(backend)}, mappings=[{"queue": "orders"}])
    backend.send("orders", ["ok:1", "ok:2"])
    done = run_cli(sqs_project, moto_endpoint, "run", "--until-drained", "--port", "0")
    assert done.returncode == 0, done.stderr
    assert sorted(e["body"] for e in sqs_project.records("ok")) == ["ok:1", "ok:2"]


def test_cli_exits_2_with_awss_message_for_a_missing_queue(
    sqs_project: Project, moto_endpoint: str
) -> None:
    """§1.6.11, design.md: a missing real queue is bad input: exit 2, AWS's message."""
    sqs_project.configure(queues={}, mappings=[{"queue": "missing"}])
    done = run_cli(sqs_project, moto_endpoint, "run", "--until-drained", "--port", "0")
    assert done.returncode == 2
    assert f"InvalidParameterValueException: {NON_EXISTENT_QUEUE}" in done.stderr
    assert "event_source_mappings[0] (fn)" in done.stderr


def run_cli(project: Project, endpoint: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint}
    return subprocess.run(
        [sys.executable, "-m", "headrace", *args],
        cwd=project.root,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )


def test_status_shows_a_real_queues_depth_and_its_dlq(
    sqs_project: Project, moto_endpoint: str
) -> None:
    """Issue 2 status, for real queues: depth (visible, in flight, delayed) and DLQ depth."""
    backend = sqs_project.backend
    assert isinstance(backend, SqsBackend)
    backend.endpoint_in_config = False
    sqs_project.configure(
        queues={"orders-dlq": queue(backend), "orders": queue(backend, dlq="orders-dlq")},
        mappings=[{"queue": "orders"}],
    )
    backend.send("orders", ["ok:1", "ok:2", "ok:3"])
    backend.send("orders-dlq", ["dead"])
    done = run_cli(sqs_project, moto_endpoint, "status", "--json")
    assert done.returncode == 0, done.stderr
    [entry] = json.loads(done.stdout)["EventSourceMappings"]
    assert entry["Queue"] == {"Visible": 3, "InFlight": 0, "Delayed": 0}
    assert entry["DeadLetterQueue"]["Visible"] == 1
    assert entry["DeadLetterQueue"]["Name"] == backend.real_name("orders-dlq")


def test_status_shows_awss_message_for_a_missing_real_queue(
    sqs_project: Project, moto_endpoint: str
) -> None:
    """§1.6.11: status of a mapping whose real queue is gone says so instead of a depth."""
    sqs_project.configure(queues={}, mappings=[{"queue": "missing"}])
    done = run_cli(sqs_project, moto_endpoint, "status", "--json")
    assert done.returncode == 0, done.stderr
    [entry] = json.loads(done.stdout)["EventSourceMappings"]
    assert "NonExistentQueue" in entry["QueueError"] or "does not exist" in entry["QueueError"]
    assert "Queue" not in entry
