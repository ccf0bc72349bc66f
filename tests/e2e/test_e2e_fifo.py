"""End to end on FIFO queues: each message group is processed in order despite failures."""

from __future__ import annotations

import pytest
from e2e_project import Project, function, mapping, queue

pytestmark = pytest.mark.e2e

GROUPS = ("g0", "g1", "g2", "g3")
# Every third message of a group fails its first delivery.
FLAKY_EVERY = 3


def configure(project: Project, handler: str, max_receives: int = 3, **fields: object) -> None:
    project.configure(
        queues={
            "pay.fifo": queue(fifo=True, dlq="pay-dlq.fifo", max_receives=max_receives),
            "pay-dlq.fifo": {"FifoQueue": True},
        },
        functions={"fn": function(handler)},
        mappings=[mapping("fn", "pay.fifo", **fields)],
    )


def send_groups(
    project: Project, per_group: int, poison_at: int | None = None
) -> dict[str, list[str]]:
    """Send ``per_group`` messages to each group; some flaky, one poison per group if asked."""
    sent: dict[str, list[str]] = {}
    for group in GROUPS:
        bodies = []
        for i in range(per_group):
            kind = "poison" if i == poison_at else "flaky" if i % FLAKY_EVERY == 1 else "ok"
            bodies.append(f"{kind}:{group}-{i:03d}")
        project.send("pay.fifo", *bodies, group=group)
        sent[group] = bodies
    return sent


def first_success_order(project: Project, group: str) -> list[str]:
    order: list[str] = []
    for entry in project.records("ok"):
        if entry["groupId"] == group and entry["body"] not in order:
            order.append(entry["body"])
    return order


def test_partial_failures_keep_each_group_in_order(project: Project) -> None:
    """§4.1.7, §3.5.8: retries of a group finish before later messages of that group run."""
    configure(project, "handlers.partial", FunctionResponseTypes=["ReportBatchItemFailures"])
    sent = send_groups(project, 12)
    project.drain()
    for group, bodies in sent.items():
        assert first_success_order(project, group) == bodies
    assert project.bodies("pay-dlq.fifo") == []


def test_raised_errors_keep_each_group_in_order(project: Project) -> None:
    """§4.1.7: a failed batch blocks its groups until retried; order within a group holds."""
    configure(project, "handlers.whole", BatchSize=3)
    sent = send_groups(project, 6)
    project.drain()
    for group, bodies in sent.items():
        assert first_success_order(project, group) == bodies


def test_poison_is_dead_lettered_and_its_group_continues_in_order(project: Project) -> None:
    """§3.5.5, §4.1.7: a FIFO poison message reaches the FIFO DLQ; its group resumes after it."""
    # BatchSize 1: a later message of the poison's group is never in the poison's batch, so
    # it never shares (and exhausts) the poison's receives, as it would in a larger batch.
    configure(
        project,
        "handlers.partial",
        max_receives=2,
        BatchSize=1,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    sent = send_groups(project, 4, poison_at=2)
    project.drain()
    poison = sorted(b for bodies in sent.values() for b in bodies if b.startswith("poison:"))
    assert project.bodies("pay-dlq.fifo") == poison
    for group, bodies in sent.items():
        assert first_success_order(project, group) == [b for b in bodies if b not in poison]
    dead = project.messages("pay-dlq.fifo")
    assert {m["MessageGroupId"] for m in dead} == set(GROUPS)
