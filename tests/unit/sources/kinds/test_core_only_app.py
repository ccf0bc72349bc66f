"""A core-only source kind runs end to end through ``App``: config, opening, the queue
engine, a real Python function in a worker process, and ``--until-drained`` (issue 9).

The kind (:mod:`demo_queue_kind`) is registered by the test alone; nothing in headrace
knows it. Its source has only the core (ack and nack, no visibility, no depth), so the run
is judged drained by what the mapping saw (``esm/queues/quiet_watch.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from demo_queue_kind import DEMO_QUEUE, PREFIX, QUEUES, DemoQueueKind

from headrace.app import App, RunOptions
from headrace.config.load import load_config
from headrace.errors import InvalidParameterValueException
from headrace.sources.kinds import kind_table
from headrace.sources.kinds.kind_seam import ResolvedSource, Unresolved
from headrace.sources.source_seam import capabilities
from headrace.testing import CoreOnlyQueue

pytestmark = pytest.mark.timeout(60)

ARN = f"{PREFIX}orders"
# Logs every body it is given; fails "bad" once (partial batch response, §3.5.5), which a
# marker file remembers across worker processes.
HANDLER = """
import json, os

def handle(event, context):
    failures = []
    with open(os.environ["LOG"], "a") as log:
        for record in event["Records"]:
            log.write(json.dumps(record["body"]) + "\\n")
            marker = os.environ["MARKER"]
            if record["body"] == "bad" and not os.path.exists(marker):
                open(marker, "w").close()
                failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
"""


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> Iterator[CoreOnlyQueue]:
    """The demo kind registered in the kind table, and its queue (emptied after)."""
    monkeypatch.setattr(kind_table, "SOURCE_KINDS", (*kind_table.SOURCE_KINDS, DEMO_QUEUE))
    queue = QUEUES.setdefault(ARN, CoreOnlyQueue(ARN))
    try:
        yield queue
    finally:
        QUEUES.clear()


def project(root: Path, **mapping: Any) -> Path:
    (root / "src").mkdir()
    (root / "src" / "h.py").write_text(HANDLER)
    function = {
        "Handler": "h.handle",
        "CodeUri": "./src",
        "Timeout": 10,
        "Environment": {
            "Variables": {"LOG": str(root / "log.jsonl"), "MARKER": str(root / "failed-once")}
        },
    }
    data = {
        "region": "us-east-1",
        "account": "000000000000",
        "data_dir": ".headrace",
        "functions": {"fn": function},
        "event_source_mappings": [{"FunctionName": "fn", "EventSourceArn": ARN, **mapping}],
    }
    path = root / "headrace.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def invoked(root: Path) -> list[str]:
    return [json.loads(line) for line in (root / "log.jsonl").read_text().splitlines()]


async def test_a_core_only_kind_drains_through_app_with_a_partial_failure(
    demo: CoreOnlyQueue, tmp_path: Path
) -> None:
    """§3.5.5: with ReportBatchItemFailures only the reported message comes back (the
    source is told it failed and redelivers it); the rest are done once; nothing is lost,
    and --until-drained ends the run once the redelivered one is processed."""
    bodies = [f"m{i}" for i in range(12)] + ["bad"]
    for body in bodies:
        demo.send(body)
    app = App(
        load_config(
            project(tmp_path, BatchSize=5, FunctionResponseTypes=["ReportBatchItemFailures"])
        )
    )
    result = await app.run(RunOptions(until_drained=True, port=None, timeout=30))
    assert result.drained
    assert not result.timed_out
    assert capabilities(demo) == {"core"}
    assert demo.nacked == ["bad"]
    assert sorted(demo.acked) == sorted(bodies)
    assert not demo.pending
    assert not demo.in_flight
    assert demo.deliveries["bad"] == 2
    assert {body: n for body, n in demo.deliveries.items() if body != "bad"} == dict.fromkeys(
        bodies[:-1], 1
    )
    assert sorted(invoked(tmp_path)) == sorted([*bodies, "bad"])
    assert demo.closed  # the mapping's stack closed the source at the end of the run


async def test_a_core_only_kind_with_nothing_to_read_drains_at_once(
    demo: CoreOnlyQueue, tmp_path: Path
) -> None:
    """An empty source: the mapping's first receive comes back empty, and the run ends."""
    app = App(load_config(project(tmp_path)))
    result = await app.run(RunOptions(until_drained=True, port=None, timeout=30))
    assert result.drained
    assert not result.timed_out
    assert demo.deliveries == {}


class MissingDemoKind(DemoQueueKind):
    """The demo kind, for a broker that lacks the queue."""

    def resolve(self, arn: str, config: Any, declared: Any) -> ResolvedSource | Unresolved:
        return Unresolved(f"Demo queue not found: {arn}")

    def built(self, config: Any, arn: str) -> bool:
        return False


async def test_a_kind_words_its_own_not_found_at_create(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """§1.6.11's InvalidParameterValueException at create carries the kind's own text, not
    the SQS family's; nothing is kept open."""
    monkeypatch.setattr(kind_table, "SOURCE_KINDS", (*kind_table.SOURCE_KINDS, DEMO_QUEUE))
    config = load_config(project(tmp_path))
    monkeypatch.setattr(kind_table, "SOURCE_KINDS", (MissingDemoKind(),))
    app = App(config)
    async with app.broker:  # the run's: sources resolve against the queues it has
        with pytest.raises(InvalidParameterValueException, match=f"Demo queue not found: {ARN}"):
            await app.sources.open(config.event_source_mappings[0])
    assert app.sources.opened == {}
