"""Stream mappings through the real CLI: `headrace put`, `run --until-drained`, `dlq`,
`status`, and a SIGKILL mid-stream followed by a restart (§4.2, §5.2, §7.3-7.4)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

APP = Path(__file__).parent / "app"
FAILURES_ARN = "arn:aws:sqs:us-east-1:000000000000:failures"
STREAM_ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/clicks"
TABLE_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/users"
# Bound on any one CLI call and on waiting for a condition: a hang fails the test.
CLI_TIMEOUT = 60.0
WAIT_TIMEOUT = 30.0


class Project:
    """A headrace.yaml over the handlers in ``app/`` in a temporary folder."""

    def __init__(self, root: Path, **mapping: Any) -> None:
        self.root = root
        self.log = root / "stream-log.jsonl"
        self.processes: list[subprocess.Popen[str]] = []
        variables = {"STREAM_LOG": str(self.log), **mapping.pop("variables", {})}
        handler = mapping.pop("handler", "stream_handlers.handler")
        source = mapping.pop("source", STREAM_ARN)
        config = {
            "data_dir": ".headrace",
            "streams": {"clicks": {"ShardCount": 2}},
            "tables": {
                "users": {
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                    "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
                }
            },
            "queues": {"failures": {}},
            "functions": {
                "fn": {
                    "Handler": handler,
                    "CodeUri": str(APP),
                    "Timeout": 10,
                    "ReservedConcurrentExecutions": 8,
                    "Environment": {"Variables": variables},
                }
            },
            "event_source_mappings": [
                {
                    "FunctionName": "fn",
                    "EventSourceArn": source,
                    "StartingPosition": "TRIM_HORIZON",
                    **mapping,
                }
            ],
        }
        (root / "headrace.yaml").write_text(yaml.safe_dump(config))

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "headrace", *args],
            cwd=self.root,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            check=False,
        )

    def put(self, records: list[tuple[str, str]]) -> None:
        by_key: dict[str, list[str]] = defaultdict(list)
        for data, key in records:
            by_key[key].append(data)
        for key, items in by_key.items():
            done = self.cli("put", "clicks", "-", "--partition-key", key, stdin="\n".join(items))
            assert done.returncode == 0, done.stderr

    def start(self, *args: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "headrace", "run", "--port", "0", *args],
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.processes.append(process)
        return process

    def entries(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.communicate(timeout=CLI_TIMEOUT)


@pytest.fixture
def make_project(tmp_path: Path) -> Any:
    made: list[Project] = []

    def make(**mapping: Any) -> Project:
        project = Project(tmp_path, **mapping)
        made.append(project)
        return project

    yield make
    for project in made:
        project.close()


def wait_until(condition: Any, timeout: float = WAIT_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_run_until_drained_delivers_every_record(make_project: Any) -> None:
    """design.md: `run --until-drained` exits 0 once every shard's checkpoint is at its tip."""
    project = make_project(BatchSize=10, ParallelizationFactor=2)
    project.put([(f"r{i}", f"key-{i % 5}") for i in range(40)])
    done = project.cli("run", "--until-drained", "--port", "0", "--timeout", "60")
    assert done.returncode == 0, done.stderr
    assert sorted(e["data"] for e in project.entries()) == sorted(f"r{i}" for i in range(40))
    again = project.cli("run", "--until-drained", "--port", "0", "--timeout", "60")
    assert again.returncode == 0, again.stderr
    assert len(project.entries()) == 40  # §7.3: a restart resumes after the checkpoint


def test_a_poison_record_goes_to_the_destination_queue(make_project: Any) -> None:
    """§4.2.6-4.2.7: with bisect only the poison record is given up, to the queue."""
    project = make_project(
        BatchSize=20,
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": FAILURES_ARN}},
    )
    project.put([*[(f"r{i}", "k") for i in range(10)], ("poison", "k")])
    done = project.cli("run", "--until-drained", "--port", "0", "--timeout", "60")
    assert done.returncode == 0, done.stderr
    shown = project.cli("dlq", "failures", "--json")
    assert shown.returncode == 0, shown.stderr
    messages = json.loads(shown.stdout)
    bodies = [json.loads(m["Body"]) for m in _messages(messages)]
    assert len(bodies) == 1
    assert bodies[0]["KinesisBatchInfo"]["batchSize"] == 1
    assert bodies[0]["requestContext"]["condition"] == "RetryAttemptsExhausted"


def _messages(shown: Any) -> list[dict[str, Any]]:
    return shown["Messages"] if isinstance(shown, dict) else shown


def test_a_table_change_stream_feeds_its_mapping(make_project: Any) -> None:
    """§3.3: writes to an embedded table reach the mapping as DynamoDB records, in order."""
    project = make_project(handler="stream_handlers.table_handler", source=TABLE_ARN)
    for item in ('{"id": "u1", "n": 1}', '{"id": "u1", "n": 2}', '{"id": "u2", "n": 1}'):
        done = project.cli("table", "put", "users", item)
        assert done.returncode == 0, done.stderr
    done = project.cli("table", "delete", "users", '{"id": "u1"}')
    assert done.returncode == 0, done.stderr
    done = project.cli("run", "--until-drained", "--port", "0", "--timeout", "60")
    assert done.returncode == 0, done.stderr
    entries = project.entries()
    u1 = [e["eventName"] for e in entries if e["keys"] == {"id": {"S": "u1"}}]
    assert u1 == ["INSERT", "MODIFY", "REMOVE"]
    assert {e["source"].split("/stream/")[0] for e in entries} == {TABLE_ARN}


def test_a_blocked_shard_makes_the_timeout_exit_1(make_project: Any) -> None:
    """design.md: a shard blocked by retries is not drained; --timeout exits 1."""
    project = make_project(BatchSize=5)
    project.put([("poison", "k")])
    done = project.cli("run", "--until-drained", "--port", "0", "--timeout", "3")
    assert done.returncode == 1
    assert "not drained" in done.stderr


def test_status_shows_shards_with_iterator_age(make_project: Any) -> None:
    """§7.6: status reports every shard's iterator age and lag."""
    project = make_project(BatchSize=5)
    project.put([("a", "k")])
    done = project.cli("run", "--until-drained", "--port", "0", "--timeout", "60")
    assert done.returncode == 0, done.stderr
    shown = project.cli("status", "--json")
    assert shown.returncode == 0, shown.stderr
    (entry,) = json.loads(shown.stdout)["EventSourceMappings"]
    shards = entry["Shards"]
    assert len(shards) == 2
    assert {"ShardId", "IteratorAgeMs", "PendingRecords", "MillisBehindLatest"} <= set(shards[0])


@pytest.mark.crash
def test_sigkill_mid_stream_then_restart_skips_nothing_and_keeps_key_order(
    make_project: Any,
) -> None:
    """§7.3-7.4, §5.2: after SIGKILL and a restart every record arrived at least once, and
    within each run every key's records arrived in put order."""
    project = make_project(BatchSize=5, ParallelizationFactor=4, variables={"STREAM_SLEEP": "0.05"})
    records = [(str(i), f"key-{i % 10}") for i in range(400)]
    project.put(records)
    first = project.start()
    wait_until(lambda: len(project.entries()) >= 80)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=CLI_TIMEOUT)
    done = project.cli("run", "--until-drained", "--port", "0", "--timeout", "60")
    assert done.returncode == 0, done.stderr
    entries = project.entries()
    assert {e["data"] for e in entries} == {data for data, _ in records}
    runs = {e["run"] for e in entries}
    assert len(runs) == 2
    for run in runs:
        per_key: dict[str, list[int]] = defaultdict(list)
        for entry in entries:
            if entry["run"] == run:
                per_key[entry["key"]].append(int(entry["data"]))
        for key, values in per_key.items():
            assert values == sorted(values), (run, key)
