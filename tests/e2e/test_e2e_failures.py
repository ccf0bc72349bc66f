"""End to end: every kind of function failure is retried and dead-lettered, nothing is lost."""

from __future__ import annotations

from collections import Counter

import pytest
from e2e_project import Project, function, mapping, process_gone, queue

pytestmark = pytest.mark.e2e

REPORT = ["ReportBatchItemFailures"]


# Tests that count every receive of a good message give its invocation this much time
# before the message could reappear (a cold worker start on a busy machine is slow).
EXACT_VISIBILITY = 2


def configure(
    project: Project,
    handler: str,
    *,
    max_receives: int = 2,
    visibility: int = 1,
    **fields: object,
) -> None:
    attrs = queue(dlq="orders-dlq", max_receives=max_receives, visibility=visibility)
    project.configure(
        queues={"orders": attrs, "orders-dlq": {}},
        functions={"fn": function(handler)},
        mappings=[mapping("fn", "orders", **fields)],
    )


def receive_counts(project: Project, body: str) -> list[int]:
    return sorted(e["receiveCount"] for e in project.records() if e["body"] == body)


def starts_of(project: Project, message_id: str) -> list[dict[str, object]]:
    return [e for e in project.entries() if e["event"] == "start" and message_id in e["ids"]]


def test_poison_messages_and_only_they_end_in_the_dlq(project: Project) -> None:
    """§4.1.2, §3.5.5: reported poison messages reach the DLQ after maxReceiveCount receives."""
    configure(project, "handlers.partial", max_receives=3, FunctionResponseTypes=REPORT)
    good = [f"ok:{i}" for i in range(20)] + [f"flaky:{i}" for i in range(3)]
    poison = [f"poison:{i}" for i in range(4)]
    project.send("orders", *good[:10], *poison, *good[10:])
    project.drain()
    assert project.bodies("orders-dlq") == sorted(poison)
    assert project.bodies("orders") == []
    assert project.processed_bodies() == set(good)
    for body in poison:
        assert receive_counts(project, body) == [1, 2, 3]


def test_partial_response_deletes_only_unreported_messages(project: Project) -> None:
    """§3.5.5: unreported messages are deleted at once; reported ones come back, count + 1."""
    configure(
        project, "handlers.partial", visibility=EXACT_VISIBILITY, FunctionResponseTypes=REPORT
    )
    ok = [f"ok:{i}" for i in range(8)]
    flaky = ["flaky:a", "flaky:b"]
    project.send("orders", *ok, *flaky)
    project.drain()
    for body in ok:
        assert receive_counts(project, body) == [1]
    for body in flaky:
        assert receive_counts(project, body) == [1, 2]
    assert project.bodies("orders-dlq") == []


def test_item_failures_are_ignored_without_report_batch_item_failures(project: Project) -> None:
    """§3.5.1: without ReportBatchItemFailures a returned failure list is a complete success."""
    configure(project, "handlers.partial")
    project.send("orders", "poison:ignored", "ok:1")
    project.drain()
    assert receive_counts(project, "poison:ignored") == [1]
    assert project.bodies("orders") == []
    assert project.bodies("orders-dlq") == []


def test_raised_exception_retries_whole_batch_then_dead_letters(project: Project) -> None:
    """§4.1.1-4.1.2: an exception deletes nothing; the poison is dead-lettered, others done."""
    configure(project, "handlers.whole", BatchSize=1)
    project.send("orders", "poison:raise", *[f"ok:{i}" for i in range(5)])
    project.drain()
    assert receive_counts(project, "poison:raise") == [1, 2]
    assert project.bodies("orders-dlq") == ["poison:raise"]
    assert project.processed_bodies() == {f"ok:{i}" for i in range(5)}
    assert project.bodies("orders") == []


def test_timeout_is_retried_dead_lettered_and_the_worker_replaced(project: Project) -> None:
    """§4.1.1: a handler past its Timeout is killed and counts as an error; nothing is lost."""
    configure(project, "handlers.whole", BatchSize=1)
    [hang_id] = project.send("orders", "hang:forever")
    project.send("orders", *[f"ok:{i}" for i in range(5)])
    project.drain()
    assert project.bodies("orders-dlq") == ["hang:forever"]
    assert project.processed_bodies() == {f"ok:{i}" for i in range(5)}
    pids = [int(e["pid"]) for e in starts_of(project, hang_id)]
    assert len(pids) == 2
    assert len(set(pids)) == 2, "a killed worker is never reused"
    assert all(process_gone(pid) for pid in pids)


def test_worker_crash_is_retried_dead_lettered_and_the_worker_replaced(project: Project) -> None:
    """§4.1.1: os._exit in a handler is a function error; the message is dead-lettered."""
    configure(project, "handlers.whole", BatchSize=1)
    [crash_id] = project.send("orders", "crash:exit3")
    project.send("orders", *[f"ok:{i}" for i in range(5)])
    project.drain()
    assert project.bodies("orders-dlq") == ["crash:exit3"]
    assert project.processed_bodies() == {f"ok:{i}" for i in range(5)}
    pids = [int(e["pid"]) for e in starts_of(project, crash_id)]
    assert len(set(pids)) == 2
    assert all(process_gone(pid) for pid in pids)


@pytest.mark.parametrize("handler", ["broken.handler", "handlers.no_such_function"])
def test_handler_that_cannot_be_imported_loses_nothing(project: Project, handler: str) -> None:
    """design.md "Bad input": an init error is retried and dead-lettered, none lost (§4.1.2)."""
    configure(project, handler)
    bodies = [f"ok:{i}" for i in range(6)]
    ids = project.send("orders", *bodies)
    project.drain()
    assert project.entries() == []
    dead = project.messages("orders-dlq")
    assert sorted(m["MessageId"] for m in dead) == sorted(ids)
    assert sorted(m["Body"] for m in dead) == sorted(bodies)
    assert project.bodies("orders") == []


@pytest.mark.parametrize("shape", ["unknown-id", "empty-id", "wrong-key"])
def test_malformed_item_failure_response_retries_the_whole_batch(
    project: Project, shape: str
) -> None:
    """§3.5.4: an invalid partial batch response is a complete failure: every message again."""
    project.configure(
        queues={
            "orders": queue(dlq="orders-dlq", max_receives=3, visibility=EXACT_VISIBILITY),
            "orders-dlq": {},
        },
        functions={"fn": function("handlers.malformed", variables={"E2E_MALFORMED": shape})},
        mappings=[mapping("fn", "orders", FunctionResponseTypes=REPORT)],
    )
    bodies = [f"ok:{i}" for i in range(5)]
    project.send("orders", *bodies)
    project.drain()
    outcomes = Counter((e["body"], e["receiveCount"], e["outcome"]) for e in project.records())
    for body in bodies:
        assert outcomes[(body, 1, "malformed")] == 1
        assert outcomes[(body, 2, "ok")] == 1
    assert project.bodies("orders-dlq") == []
    assert project.bodies("orders") == []


def test_unserialisable_response_is_retried_and_dead_lettered(project: Project) -> None:
    """§4.1.1: a response JSON cannot encode is a function error; every message is DLQ'd."""
    configure(project, "handlers.unserialisable", FunctionResponseTypes=REPORT)
    ids = project.send("orders", "ok:1", "ok:2", "ok:3")
    project.drain()
    starts = [e for e in project.entries() if e["event"] == "start"]
    assert sorted(i for e in starts for i in e["ids"]) == sorted(ids * 2)
    assert sorted(m["MessageId"] for m in project.messages("orders-dlq")) == sorted(ids)
    assert project.bodies("orders") == []


def test_bad_config_exits_2_and_leaves_the_queue_untouched(project: Project) -> None:
    """design.md "Bad input": `run` on an invalid config exits 2 and receives nothing."""
    configure(project, "handlers.whole")
    project.send("orders", "ok:1", "ok:2")
    good = project.config_path.read_text()
    project.config_path.write_text(
        good.replace("FunctionName: fn", "FunctionName: fn\n  BatchSize: 0", 1)
    )
    done = project.cli("run", "--until-drained", "--port", "0")
    assert done.returncode == 2
    assert "event_source_mappings[0] (fn): BatchSize: " in done.stderr
    project.config_path.write_text(good)
    assert project.status()["Queues"]["orders"] == {"Visible": 2, "InFlight": 0, "Delayed": 0}
    assert project.entries() == []
