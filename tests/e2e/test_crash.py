"""Crash tests: SIGKILL `headrace run` mid-batch, restart it, and lose nothing.

The standard (design.md "Nothing lost"): after the kill no worker process is left; after a
restart with --until-drained every good message was processed at least once, the DLQ holds
exactly the messages that exhausted their receives, and the source queue is empty.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pytest
from e2e_project import (
    Project,
    children_of,
    function,
    mapping,
    process_gone,
    queue,
    wait_until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.crash]

# Short visibility so the killed batches come back quickly; Timeout must not exceed it.
VISIBILITY = 2
# Three receives: a good message whose batch was killed (and perhaps timed out once too)
# still has receives left; a poison message fails all three.
MAX_RECEIVES = 3
# Per-record work time: several batches are in flight at any moment.
RECORD_SLEEP = "0.01"
# Processing is "under way" once this many records succeeded.
UNDER_WAY = 20
# Bound on the workers' exit after their engine was killed.
ORPHAN_WAIT = 10.0
REPORT = ["ReportBatchItemFailures"]


def configure(project: Project, source: str, dlq: str, *, fifo: bool = False) -> None:
    dlq_attrs = {"FifoQueue": True} if fifo else {}
    project.configure(
        queues={
            source: queue(visibility=VISIBILITY, dlq=dlq, max_receives=MAX_RECEIVES, fifo=fifo),
            dlq: dlq_attrs,
        },
        functions={
            "fn": function(
                "handlers.partial",
                timeout=VISIBILITY,
                concurrency=4,
                variables={"E2E_RECORD_SLEEP": RECORD_SLEEP},
            )
        },
        mappings=[mapping("fn", source, BatchSize=10, FunctionResponseTypes=REPORT)],
    )


def kill_mid_batch(project: Project, hold_id: str) -> tuple[subprocess.Popen[str], set[int]]:
    """Start `run`; SIGKILL it while the held batch is in the handler. Its workers' pids."""
    process = project.start("run", "--port", "0")
    started = project.root / f"started-{hold_id}"
    wait_until(
        lambda: started.exists() and len(project.records("ok")) >= UNDER_WAY,
        "processing under way with the held batch in flight",
    )
    workers = children_of(process.pid) | {int(e["pid"]) for e in project.entries()}
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    return process, workers


def assert_no_orphans(workers: Iterable[int]) -> None:
    pids = set(workers)
    assert pids, "the handler logged its worker pids"
    wait_until(lambda: all(process_gone(pid) for pid in pids), "the workers to exit", ORPHAN_WAIT)


def assert_nothing_lost(project: Project, ids: Iterable[str], *queues: str) -> None:
    """Every message id is processed or still in one of ``queues``."""
    present = {m["MessageId"] for name in queues for m in project.messages(name)}
    processed = {e["messageId"] for e in project.records("ok")}
    missing = set(ids) - present - processed
    assert not missing, f"lost: {sorted(missing)[:5]}"


def restart_until_drained(project: Project) -> None:
    project.release_path.touch()
    project.drain(timeout=90)


def test_kill_standard_queue_mid_batch_then_restart_loses_nothing(project: Project) -> None:
    """§4.1.1-4.1.2: unfinished batches return after their visibility timeout; poison DLQ'd."""
    configure(project, "orders", "orders-dlq")
    good = [f"ok:{i:03d}" for i in range(190)]
    poison = [f"poison:{i}" for i in range(10)]
    bodies = good[:60] + poison[:5] + ["hold:1"] + good[60:] + poison[5:]
    ids = project.send("orders", *bodies)
    hold_id = ids[bodies.index("hold:1")]
    _, workers = kill_mid_batch(project, hold_id)
    assert_no_orphans(workers)
    assert_nothing_lost(project, ids, "orders", "orders-dlq")
    restart_until_drained(project)
    assert project.processed_bodies() >= {*good, "hold:1"}
    assert project.bodies("orders-dlq") == sorted(poison)
    assert project.bodies("orders") == []


def test_kill_fifo_queue_mid_batch_then_restart_keeps_group_order(project: Project) -> None:
    """§4.1.7: after a kill and restart each group's first successes are in send order."""
    configure(project, "pay.fifo", "pay-dlq.fifo", fifo=True)
    groups = {f"g{g}": [f"ok:g{g}-{i:03d}" for i in range(40)] for g in range(5)}
    groups["g0"][30] = "hold:g0"
    poison = []
    for group in ("g1", "g3"):  # last in its group: no later message shares its batches
        groups[group][-1] = f"poison:{group}"
        poison.append(f"poison:{group}")
    ids: dict[str, str] = {}
    for group, bodies in groups.items():
        ids.update(zip(project.send("pay.fifo", *bodies, group=group), bodies, strict=True))
    hold_id = next(i for i, body in ids.items() if body == "hold:g0")
    _, workers = kill_mid_batch(project, hold_id)
    assert_no_orphans(workers)
    assert_nothing_lost(project, ids, "pay.fifo", "pay-dlq.fifo")
    restart_until_drained(project)
    assert project.bodies("pay-dlq.fifo") == sorted(poison)
    assert project.bodies("pay.fifo") == []
    for group, bodies in groups.items():
        first: list[str] = []
        for entry in project.records("ok"):
            if entry["groupId"] == group and entry["body"] not in first:
                first.append(entry["body"])
        assert first == [b for b in bodies if b not in poison], group


def printed_ids(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def test_kill_engine_and_sender_while_send_streams_loses_nothing(project: Project) -> None:
    """design.md: every MessageId `send -` printed is queued or processed, across both kills."""
    configure(project, "orders", "orders-dlq")
    engine = project.start("run", "--port", "0")
    sender = project.start("send", "orders", "-", stdin=subprocess.PIPE)
    out = project.root / "cli-1.out"
    assert sender.stdin is not None

    def stream(first: int, last: int) -> None:
        assert sender.stdin is not None
        for i in range(first, last):
            sender.stdin.write(f"ok:{i:04d}\n")
            sender.stdin.flush()

    stream(0, 100)
    wait_until(
        lambda: len(printed_ids(out)) >= 80 and len(project.records("ok")) >= UNDER_WAY,
        "sends printed and processing under way",
    )
    workers = children_of(engine.pid) | {int(e["pid"]) for e in project.entries()}
    engine.send_signal(signal.SIGKILL)
    engine.wait(timeout=30)
    stream(100, 200)
    wait_until(lambda: len(printed_ids(out)) >= 150, "the sender to go on without an engine")
    sender.send_signal(signal.SIGKILL)
    sender.wait(timeout=30)
    assert_no_orphans(workers)
    ids = printed_ids(out)
    assert len(ids) >= 150
    assert_nothing_lost(project, ids, "orders")
    restart_until_drained(project)
    processed = {e["messageId"] for e in project.records("ok")}
    assert set(ids) <= processed
    assert project.bodies("orders") == []
    assert project.bodies("orders-dlq") == []
