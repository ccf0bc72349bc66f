"""Tumbling windows (§3.4): alignment, carried state, final invocation, failure on no state."""

from __future__ import annotations

import asyncio
from typing import Any

from stream_harness import STREAM_ARN, MakeStreamHarness, data_of, settle

WINDOW = 60  # TumblingWindowInSeconds of these tests


def counting(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Adds the batch's record count to the carried state."""
    state = dict(event["state"])
    state["count"] = state.get("count", 0) + len(event["Records"])
    return {"state": state}


async def test_a_window_invocation_has_the_documented_keys(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§3.4: Records, window, state, shardId, eventSourceARN and the two flags, in order."""
    harness = make_stream_harness(counting, TumblingWindowInSeconds=WINDOW)
    harness.put("a")
    await harness.drain()
    first = harness.events[0]
    assert list(first) == [
        "Records",
        "window",
        "state",
        "shardId",
        "eventSourceARN",
        "isFinalInvokeForWindow",
        "isWindowTerminatedEarly",
    ]
    assert first["shardId"] == "shardId-000000000000"
    assert first["eventSourceARN"] == STREAM_ARN
    assert (first["isFinalInvokeForWindow"], first["isWindowTerminatedEarly"]) == (False, False)


async def test_windows_are_aligned_to_multiples_of_their_length(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§3.4.3: window bounds are multiples of TumblingWindowInSeconds (UTC)."""
    harness = make_stream_harness(counting, TumblingWindowInSeconds=WINDOW)
    harness.put("a")  # the fake clock starts at 2023-11-14T22:13:20Z
    await harness.drain()
    assert harness.events[0]["window"] == {
        "start": "2023-11-14T22:13:00Z",
        "end": "2023-11-14T22:14:00Z",
    }


async def test_the_first_invocation_of_a_window_gets_an_empty_state(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§3.4.2 choice: a window starts with state {}."""
    harness = make_stream_harness(counting, TumblingWindowInSeconds=WINDOW)
    harness.put("a")
    await harness.drain()
    assert harness.events[0]["state"] == {}


async def test_state_is_carried_between_invocations_of_a_window(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§3.4.2: each invocation gets the state the previous one of its window returned."""
    harness = make_stream_harness(counting, BatchSize=2, TumblingWindowInSeconds=WINDOW)
    harness.put("a", "b", "c")
    await harness.drain()
    states = [event["state"] for event in harness.events]
    assert states == [{}, {"count": 2}, {"count": 3}]


async def test_the_final_invocation_has_the_state_and_no_records(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§3.4.4 choice: isFinalInvokeForWindow true, Records [], the window's last state."""
    harness = make_stream_harness(counting, TumblingWindowInSeconds=WINDOW)
    harness.put("a", "b")
    await harness.drain()
    final = harness.events[-1]
    assert final["isFinalInvokeForWindow"] is True
    assert final["Records"] == []
    assert final["state"] == {"count": 2}


async def test_a_batch_never_crosses_a_window_boundary(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§3.4.3: records of the next window start a new window, after the final invocation."""
    harness = make_stream_harness(counting, BatchSize=10, TumblingWindowInSeconds=WINDOW)
    harness.put("a")
    harness.clock.advance(WINDOW)
    harness.put("b")
    await harness.drain()
    shapes = [
        ([data_of(r) for r in e["Records"]], e["isFinalInvokeForWindow"], e["state"])
        for e in harness.events
    ]
    assert shapes == [
        (["a"], False, {}),
        ([], True, {"count": 1}),
        (["b"], False, {}),
        ([], True, {"count": 1}),
    ]


async def test_an_idle_window_closes_when_its_time_is_over(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§3.4.4, §3.4.6: with no new records the window closes at its end."""
    harness = make_stream_harness(counting, TumblingWindowInSeconds=WINDOW)
    run = asyncio.create_task(harness.engine.run(until_drained=True))
    harness.put("a")
    await settle()
    assert [e["isFinalInvokeForWindow"] for e in harness.events] == [False]
    for _ in range(WINDOW + 5):
        harness.clock.advance(1)
        await settle()
    assert [e["isFinalInvokeForWindow"] for e in harness.events] == [False, True]
    await settle()
    assert run.done()
    assert run.result().drained


async def test_the_checkpoint_moves_only_after_the_final_invocation(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§3.4.4: after the final invocation succeeds the checkpoint advances."""
    harness = make_stream_harness(counting, TumblingWindowInSeconds=WINDOW)
    run = asyncio.create_task(harness.engine.run())
    harness.put("a")
    await settle()
    assert harness.mapping.statistics().shards[0].checkpoint is None
    for _ in range(WINDOW + 5):
        harness.clock.advance(1)
        await settle()
    last = harness.source.records("shardId-000000000000")[-1].sequence_number
    assert harness.mapping.statistics().shards[0].checkpoint == last
    harness.engine.stop()
    await run


async def test_a_response_without_state_is_a_failure(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§3.4.1: a window response that has no state fails the invocation (retried)."""
    calls = {"n": 0}

    def forgetful(event: dict[str, Any], context: Any) -> dict[str, Any] | None:
        calls["n"] += 1
        return None if calls["n"] == 1 else {"state": {}}

    harness = make_stream_harness(forgetful, TumblingWindowInSeconds=WINDOW)
    harness.put("a")
    await harness.drain()
    assert [len(e["Records"]) for e in harness.events] == [1, 1, 0]
    assert harness.mapping.statistics().failed_invoke == 1


async def test_a_state_over_1_mb_ends_the_window_early(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§3.4.5: a state past 1 MB makes the next invocation final with the early flag."""

    def hoarding(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"state": {"blob": "x" * 1_100_000}} if event["Records"] else {"state": {}}

    harness = make_stream_harness(hoarding, BatchSize=1, TumblingWindowInSeconds=WINDOW)
    harness.put("a", "b")
    await harness.drain()
    flags = [(e["isFinalInvokeForWindow"], e["isWindowTerminatedEarly"]) for e in harness.events]
    assert flags[:2] == [(False, False), (True, True)]
    assert harness.events[2]["state"] == {}


async def test_a_window_holding_more_than_the_read_ahead_still_closes(
    make_stream_harness: MakeStreamHarness,
) -> None:
    """§3.4.4: records a window holds do not stop the reader, so the window can close."""
    harness = make_stream_harness(counting, BatchSize=10, TumblingWindowInSeconds=WINDOW)
    harness.put(*[f"r{i}" for i in range(1000)])
    await harness.drain()
    final = harness.events[-1]
    assert final["isFinalInvokeForWindow"] is True
    assert final["state"] == {"count": 1000}
