"""FIFO queue mappings: group order and group blocking (§4.1.7, §3.5.8, §5.9)."""

from __future__ import annotations

from typing import Any

from tests.unit.esm.conftest import MakeHarness


def test_order(events: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Not a test: bodies per group in invocation order."""
    out: dict[str, list[str]] = {}
    for event in events:
        for record in event["Records"]:
            out.setdefault(record["attributes"]["MessageGroupId"], []).append(record["body"])
    return out


test_order.__test__ = False  # type: ignore[attr-defined]


async def test_failure_blocks_only_its_group(make_harness: MakeHarness) -> None:
    """§4.1.7: a failing group is retried before its later messages; other groups go on."""
    failed: set[str] = set()

    def handler(event: dict[str, Any], context: Any) -> None:
        for record in event["Records"]:
            if record["body"] == "a1" and "a1" not in failed:
                failed.add("a1")
                raise RuntimeError("a1 fails once")

    h = make_harness(handler, fifo=True, BatchSize=1, max_receive_count=5)
    for body, group in [("a1", "a"), ("a2", "a"), ("b1", "b"), ("b2", "b")]:
        h.queue.send(body, group_id=group)
    await h.drain(step=5)
    order = test_order(h.events)
    assert order["a"] == ["a1", "a1", "a2"]
    assert order["b"] == ["b1", "b2"]
    invoked = [e["Records"][0]["body"] for e in h.events]
    # b's messages did not wait for a's retry.
    assert invoked.index("b2") < invoked.index("a2")


async def test_partial_failure_holds_back_later_messages_of_the_group(
    make_harness: MakeHarness,
) -> None:
    """§3.5.8 (deviation): later messages of a failed group are kept, so order holds."""
    attempts: dict[str, int] = {}

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failures = []
        for record in event["Records"]:
            attempts[record["body"]] = attempts.get(record["body"], 0) + 1
            if record["body"] == "a2" and attempts["a2"] == 1:
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    h = make_harness(
        handler, fifo=True, BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"]
    )
    for body in ["a1", "a2", "a3"]:
        h.queue.send(body, group_id="a")
    h.queue.send("b1", group_id="b")
    await h.drain(step=5)
    assert test_order(h.events)["a"] == ["a1", "a2", "a3", "a2", "a3"]
    assert test_order(h.events)["b"] == ["b1"]
    assert h.queue.bodies == []


async def test_group_order_holds_under_concurrency(make_harness: MakeHarness) -> None:
    """§4.1.7: with many lanes, each group's messages are invoked in send order."""
    h = make_harness(lambda e, c: None, fifo=True, BatchSize=3, concurrency=10)
    for i in range(30):
        h.queue.send(f"{i:02d}", group_id=f"g{i % 4}")
    await h.drain()
    for group, bodies in test_order(h.events).items():
        expected = [f"{i:02d}" for i in range(30) if f"g{i % 4}" == group]
        assert bodies == expected
