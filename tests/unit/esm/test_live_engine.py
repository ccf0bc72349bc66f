"""A live engine: mappings created, updated, disabled, enabled and deleted while it runs,
through AWS's states (§1.4), with nothing lost."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from live_rig import STREAM_ARN, LiveRig, held

from headrace.errors import (
    InvalidParameterValueException,
    ResourceConflictException,
    ResourceInUseException,
    ResourceNotFoundException,
    SourceUnavailable,
)
from headrace.esm.engine import Engine
from headrace.esm.lifecycle import MappingState
from headrace.statistics import QueueDepth


async def test_a_mapping_created_while_running_reads_its_queue() -> None:
    """§1.4.2: Create answers Creating; the mapping then settles in Enabled and polls."""
    rig = LiveRig()
    rig.start()
    await rig.turn()
    rig.queue.send("m")
    uuid = await rig.create()
    assert rig.state(uuid) is MappingState.CREATING
    await rig.turn()
    assert rig.state(uuid) is MappingState.ENABLED
    assert rig.queue_batches() == [["m"]]
    assert rig.states[uuid] == ["Creating", "Enabled"]
    await rig.stop()


async def test_created_disabled_is_disabled_at_once_and_reads_nothing() -> None:
    """§1.4.3: Create with Enabled false answers Disabled, and nothing is read."""
    rig = LiveRig()
    rig.start()
    rig.queue.send("m")
    uuid = await rig.create(Enabled=False)
    assert rig.state(uuid) is MappingState.DISABLED
    await rig.turn(5)
    assert rig.queue_batches() == []
    assert rig.queue.receive_calls == 0
    await rig.stop()


async def test_an_updated_batch_size_applies_to_the_next_batch() -> None:
    """§1.4.6: an update answers Updating, then Enabled; the next batch has the new size."""
    rig = LiveRig()
    uuid = await rig.create(BatchSize=1)
    rig.start()
    await rig.turn()
    for body in ("a", "b"):
        rig.queue.send(body)
    await rig.turn()
    assert rig.queue_batches() == [["a"], ["b"]]
    description = rig.engine.update(uuid, {"BatchSize": 5})
    assert description.state is MappingState.UPDATING
    assert description.config.batch_size == 5
    await rig.engine.settled(uuid)
    assert rig.state(uuid) is MappingState.ENABLED
    for body in ("c", "d", "e"):
        rig.queue.send(body)
    await rig.turn()
    assert rig.queue_batches()[2:] == [["c", "d", "e"]]
    assert rig.states[uuid] == ["Creating", "Enabled", "Updating", "Enabled"]
    assert rig.engine.statistics()[0].invoked == 5, "the counters carry over an update"
    await rig.stop()


async def test_disable_stops_reading_and_enable_resumes() -> None:
    """§1.4.4-1.4.5: Disabling then Disabled, Enabling then Enabled; messages sent while
    disabled wait in the queue and are read once enabled again."""
    rig = LiveRig()
    uuid = await rig.create()
    rig.start()
    await rig.turn()
    assert rig.engine.disable(uuid).state is MappingState.DISABLING
    await rig.engine.settled(uuid)
    assert rig.state(uuid) is MappingState.DISABLED
    calls = rig.queue.receive_calls
    rig.queue.send("while disabled")
    await rig.turn(30)
    assert rig.queue.receive_calls == calls
    assert rig.queue.bodies == ["while disabled"]
    assert rig.engine.enable(uuid).state is MappingState.ENABLING
    await rig.engine.settled(uuid)
    await rig.turn()
    assert rig.queue_batches() == [["while disabled"]]
    assert rig.queue.bodies == []
    assert rig.states[uuid] == [
        "Creating",
        "Enabled",
        "Disabling",
        "Disabled",
        "Enabling",
        "Enabled",
    ]
    await rig.stop()


async def test_disable_lets_the_batch_in_flight_finish_and_settle() -> None:
    """§1.4.5: a disable takes effect after the batch in flight: it is invoked to the end
    and its messages deleted, not left to a visibility timeout."""
    slow, release = held()
    rig = LiveRig(handlers={"process": slow})
    uuid = await rig.create()
    rig.start()
    rig.queue.send("held")
    await rig.turn()
    rig.engine.disable(uuid)
    await rig.turn()
    assert rig.state(uuid) is MappingState.DISABLING, "waits for the batch in flight"
    release.set()
    await rig.engine.settled(uuid)
    assert rig.state(uuid) is MappingState.DISABLED
    assert await rig.queue.depth() == QueueDepth(visible=0, in_flight=0, delayed=0)
    assert rig.engine.statistics()[0].deleted == 1
    await rig.stop()


async def test_delete_while_a_batch_is_in_flight_loses_nothing() -> None:
    """§1.4.7: Delete answers Deleting; the batch in flight completes and is deleted; then
    the mapping is gone (Get: ResourceNotFoundException) and reads nothing more."""
    slow, release = held()
    rig = LiveRig(handlers={"process": slow})
    uuid = await rig.create()
    rig.start()
    rig.queue.send("in flight")
    await rig.turn()
    assert rig.engine.delete(uuid).state is MappingState.DELETING
    rig.queue.send("after delete")
    await rig.turn()
    assert rig.state(uuid) is MappingState.DELETING
    release.set()
    await rig.engine.settled(uuid)
    with pytest.raises(ResourceNotFoundException):
        rig.engine.get(uuid)
    assert rig.engine.list() == []
    assert rig.queue_batches() == [["in flight"]]
    assert rig.queue.bodies == ["after delete"], "the deleted mapping's batch was deleted"
    assert rig.states[uuid] == ["Creating", "Enabled", "Deleting"]
    await rig.stop()


async def test_update_while_creating_and_delete_while_updating_are_in_use() -> None:
    """§1.4.8: Update while Creating, Delete while Updating: ResourceInUseException."""
    slow, release = held()
    rig = LiveRig(handlers={"process": slow})
    uuid = await rig.create()
    with pytest.raises(ResourceInUseException):
        rig.engine.update(uuid, {"BatchSize": 3})
    rig.start()
    rig.queue.send("m")
    await rig.turn()
    rig.engine.update(uuid, {"BatchSize": 3})
    with pytest.raises(ResourceInUseException):
        rig.engine.delete(uuid)
    release.set()
    await rig.engine.settled(uuid)
    assert rig.engine.delete(uuid).state is MappingState.DELETING
    await rig.stop()


async def test_last_modified_comes_from_the_clock() -> None:
    """§1.3: LastModified is the time of the create, then of the last update."""
    rig = LiveRig()
    created = rig.clock.time()
    uuid = await rig.create()
    assert rig.engine.get(uuid).last_modified == created
    rig.start()
    await rig.turn(60)
    rig.engine.update(uuid, {"MaximumBatchingWindowInSeconds": 2})
    description = rig.engine.get(uuid).to_aws()
    assert description["LastModified"] == created + 60
    assert description["State"] == "Updating"
    assert description["StateTransitionReason"] == "USER_INITIATED"  # §1.3.4
    assert description["MaximumBatchingWindowInSeconds"] == 2
    await rig.stop()


async def test_a_second_mapping_with_the_same_uuid_is_a_conflict() -> None:
    """§1.5, §1.6.15: the same source and function (so the same UUID) again is
    ResourceConflictException naming the existing mapping; the first is untouched."""
    rig = LiveRig()
    uuid = await rig.create()
    with pytest.raises(ResourceConflictException, match=uuid):
        await rig.create()
    assert [d.uuid for d in rig.engine.list()] == [uuid]


async def test_a_create_only_field_cannot_be_updated() -> None:
    """§1.2: EventSourceArn and StartingPosition are create-only."""
    rig = LiveRig()
    uuid = await rig.create(STREAM_ARN)
    rig.start()
    await rig.turn()
    with pytest.raises(InvalidParameterValueException):
        rig.engine.update(uuid, {"StartingPosition": "LATEST"})
    assert rig.state(uuid) is MappingState.ENABLED
    await rig.stop()


async def test_an_update_the_mapping_cannot_serve_changes_nothing() -> None:
    """§1.6.14: an invalid filter pattern is refused; the mapping stays Enabled, as it was."""
    rig = LiveRig()
    uuid = await rig.create()
    rig.start()
    await rig.turn()
    with pytest.raises(InvalidParameterValueException, match="Invalid filter pattern"):
        rig.engine.update(uuid, {"FilterCriteria": {"Filters": [{"Pattern": "null"}]}})
    assert rig.state(uuid) is MappingState.ENABLED
    assert rig.engine.get(uuid).config.filter_criteria == ()
    await rig.stop()


async def test_an_updated_function_name_invokes_the_new_function() -> None:
    """§1.2: FunctionName is mutable; batches after the update go to the new function."""
    rig = LiveRig()
    uuid = await rig.create()
    rig.start()
    rig.queue.send("first")
    await rig.turn()
    rig.engine.update(uuid, {"FunctionName": "other"})
    await rig.engine.settled(uuid)
    rig.queue.send("second")
    await rig.turn()
    assert rig.queue_batches("process") == [["first"]]
    assert rig.queue_batches("other") == [["second"]]
    await rig.stop()


async def test_a_disabled_stream_mapping_resumes_at_its_checkpoint() -> None:
    """§1.4.5, §7.4: a disable checkpoints the shards; enabled again, the mapping reads on
    from the checkpoint: nothing read twice, nothing skipped."""
    rig = LiveRig()
    uuid = await rig.create(STREAM_ARN)
    rig.start()
    rig.stream.put("a", "k")
    await rig.turn(1)
    rig.engine.disable(uuid)
    await rig.engine.settled(uuid)
    assert rig.state(uuid) is MappingState.DISABLED
    assert rig.engine.get(uuid).state_transition_reason == "User action"  # §1.3.4
    rig.stream.put("b", "k")
    await rig.turn(5)
    assert rig.kinesis_data() == ["a"]
    rig.engine.enable(uuid)
    await rig.engine.settled(uuid)
    await rig.turn(1)
    assert rig.kinesis_data() == ["a", "b"]
    await rig.stop()


async def test_until_drained_counts_the_mappings_there_are_now() -> None:
    """--until-drained: a mapping created during the run is waited for; a deleted one
    (its function failing, its message never done) no longer holds the run open."""

    def failing(event: dict[str, Any], context: Any) -> None:
        raise RuntimeError("always")

    rig = LiveRig(handlers={"process": failing})
    uuid = await rig.create()
    rig.queue.send("never done")
    rig.start(until_drained=True)
    await rig.turn(1)
    await rig.create(STREAM_ARN, FunctionName="stream-fn")
    rig.stream.put("x", "k")
    rig.engine.delete(uuid)
    task = rig.task
    assert task is not None
    for _ in range(100):
        await rig.turn(1)
        if task.done():
            break
    assert task.done()
    assert task.result().drained
    assert rig.kinesis_data("stream-fn") == ["x"]
    assert rig.queue.bodies == ["never done"]


async def test_no_task_outlives_the_engine() -> None:
    """Structured concurrency: after a run with queue and stream mappings (one of them
    rebuilt by an update), no task the engine started is left running."""
    rig = LiveRig()
    queue = await rig.create(BatchSize=2)
    await rig.create(STREAM_ARN)
    rig.start()
    rig.queue.send("m")
    rig.stream.put("r", "k")
    await rig.turn(1)
    rig.engine.update(queue, {"BatchSize": 3})
    await rig.engine.settled(queue)
    await rig.stop()
    await rig.turn()
    left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
    assert left == []


class RecordingOpener:
    """A SourceOpener that records its calls; ``refuse`` makes open raise, ``fail_close``
    makes close raise."""

    def __init__(self, rig: LiveRig) -> None:
        self.rig = rig
        self.calls: list[tuple[str, str]] = []
        self.refuse: Exception | None = None
        self.fail_close: Exception | None = None
        self.running_at_close: list[bool] = []

    async def open(self, config: Any) -> None:
        self.calls.append(("open", config.uuid))
        if self.refuse is not None:
            raise self.refuse

    async def close(self, uuid: str) -> None:
        self.calls.append(("close", uuid))
        # Whether a build of this mapping still ran when its source was closed.
        live = self.rig.engine._live.get(uuid)
        self.running_at_close.append(live is not None and live.task is not None)
        if self.fail_close is not None:
            raise self.fail_close


def opener_rig() -> tuple[LiveRig, RecordingOpener]:
    rig = LiveRig()
    opener = RecordingOpener(rig)
    rig.engine = Engine(factory=rig.binding, sources=opener, clock=rig.clock)
    return rig, opener


async def delete_with_a_batch_in_flight(rig: LiveRig) -> tuple[str, asyncio.Event]:
    """Start ``rig``, create a queue mapping, keep a batch in flight, delete the mapping:
    its UUID (Deleting) and the event that lets the batch finish."""
    rig.handlers["process"], release = held()
    rig.start()
    uuid = await rig.create()
    rig.queue.send("m")
    await rig.turn(1)
    rig.engine.delete(uuid)
    return uuid, release


async def test_a_source_that_cannot_open_refuses_the_create_and_keeps_nothing() -> None:
    """§1.6.11: the opener's InvalidParameterValueException is the create's answer."""
    rig, opener = opener_rig()
    rig.start()
    opener.refuse = InvalidParameterValueException("The specified queue does not exist.")
    with pytest.raises(InvalidParameterValueException):
        await rig.create()
    assert rig.engine.list() == []
    assert rig.builds == 0
    opener.refuse = None
    uuid = await rig.create()  # nothing was left behind to conflict with
    assert opener.calls == [("open", uuid), ("open", uuid)]
    await rig.stop()


async def test_a_build_that_fails_closes_what_was_opened() -> None:
    rig, opener = opener_rig()
    rig.start()
    with pytest.raises(InvalidParameterValueException):
        await rig.create(FilterCriteria={"Filters": [{"Pattern": "null"}]})
    assert [call for call, _ in opener.calls] == ["open", "close"]
    assert rig.engine.list() == []
    await rig.stop()


async def test_delete_closes_the_source_once_the_batch_in_flight_finished() -> None:
    """§1.4.7: Deleting until the in-flight batch finished; only then is the source closed,
    and until then a create of the same mapping is a conflict."""
    rig, opener = opener_rig()
    uuid, release = await delete_with_a_batch_in_flight(rig)
    await rig.turn()
    assert ("close", uuid) not in opener.calls
    assert rig.state(uuid) is MappingState.DELETING
    with pytest.raises(ResourceConflictException):
        await rig.create()
    release.set()
    await rig.engine.settled(uuid)
    assert opener.calls[-1] == ("close", uuid)
    assert opener.running_at_close == [False]
    with pytest.raises(ResourceNotFoundException):
        rig.engine.get(uuid)
    await rig.stop()


async def test_a_source_that_fails_after_create_shows_it_as_last_processing_result() -> None:
    """§1.4 and §1.6: a source that fails once the mapping runs keeps the mapping (Enabled)
    with the failure as LastProcessingResult; the next good read clears it."""
    rig = LiveRig()
    rig.start()
    uuid = await rig.create()
    await rig.turn(1)
    message = "Error occurred while ReceiveMessage. SQS Error Code: AccessDenied."
    failure = SourceUnavailable(
        message, source_arn=rig.queue.arn, code="AccessDenied", transient=False
    )
    rig.queue.faults["receive"] = [failure] * 20  # every lane fails for a while
    rig.queue.send("m")
    await rig.turn()  # the lanes back off (1 s doubling, on the fake clock)
    stats = {s.uuid: s for s in rig.engine.statistics()}[uuid]
    assert stats.last_processing_result == f"PROBLEM: {message}"
    assert rig.state(uuid) is MappingState.ENABLED
    assert stats.invoked == 0
    for _ in range(20):  # past the lanes' fault backoffs, until the faults run out
        await rig.turn(30)
    stats = {s.uuid: s for s in rig.engine.statistics()}[uuid]
    assert stats.invoked == 1
    assert stats.last_processing_result == "OK"
    await rig.stop()


async def test_a_second_create_while_the_first_is_opening_is_a_conflict() -> None:
    """§1.6.15: one mapping per function and source, even while its source is opening."""
    rig, opener = opener_rig()
    gate = asyncio.Event()
    opened = opener.open

    async def slow_open(config: Any) -> None:
        await gate.wait()
        await opened(config)

    opener.open = slow_open  # type: ignore[method-assign]
    rig.start()
    first = asyncio.create_task(rig.create())
    await rig.turn()
    with pytest.raises(ResourceConflictException):
        await rig.create()
    gate.set()
    uuid = await first
    assert [m.uuid for m in rig.engine.list()] == [uuid]
    await rig.stop()


async def test_undrained_names_the_mappings_still_at_work() -> None:
    """What a deadline reports: a mapping whose message keeps failing is not drained; once
    it is deleted nothing is left."""

    def failing(event: dict[str, Any], context: Any) -> None:
        raise RuntimeError("always")

    rig = LiveRig(handlers={"process": failing})
    uuid = await rig.create()
    rig.queue.send("never done")
    rig.start()
    await rig.turn(1)
    assert [stats.uuid for stats in await rig.engine.undrained()] == [uuid]
    rig.engine.delete(uuid)
    await rig.engine.settled(uuid)
    assert await rig.engine.undrained() == []
    await rig.stop()


async def test_settled_returns_once_a_stop_cut_a_delete_short() -> None:
    """§1.4.7: a stop while a delete waits for its in-flight batch cancels the delete (the
    mapping stays Deleting); ``settled`` returns once the run has ended instead of
    waiting for a change that can no longer take effect."""
    rig = LiveRig()
    uuid, release = await delete_with_a_batch_in_flight(rig)
    waiting = asyncio.create_task(rig.engine.settled(uuid))
    await rig.turn()
    rig.engine.stop()
    await rig.turn()
    assert not waiting.done(), "the run goes on while the batch in flight finishes"
    release.set()
    await rig.turn()
    assert rig.task is not None
    assert rig.task.done()
    assert waiting.done(), "settled() waited on after the engine stopped"
    await waiting
    assert rig.state(uuid) is MappingState.DELETING


async def test_settled_returns_once_the_engine_group_failed() -> None:
    """A run whose task group fails (here: closing a deleted mapping's source raised) ends
    without a stop; ``settled`` on the mapping left Deleting returns rather than waits."""
    rig, opener = opener_rig()
    opener.fail_close = RuntimeError("close failed")
    rig.start()
    uuid = await rig.create()
    await rig.turn()
    waiting = asyncio.create_task(rig.engine.settled(uuid))
    rig.engine.delete(uuid)
    await rig.turn()
    assert rig.task is not None
    assert rig.task.done()
    with pytest.raises(ExceptionGroup):
        rig.task.result()
    assert waiting.done(), "settled() waited on after the engine's group failed"
    await waiting
    assert rig.state(uuid) is MappingState.DELETING


async def test_settled_after_the_run_ended_returns_at_once() -> None:
    """A mapping that can no longer settle (created after the run ended, so never started)
    does not make ``settled`` wait."""
    rig = LiveRig()
    rig.start()
    await rig.turn()
    await rig.stop()
    uuid = await rig.create()
    assert rig.state(uuid) is MappingState.CREATING
    waiting = asyncio.create_task(rig.engine.settled(uuid))
    await rig.turn()
    assert waiting.done(), "settled() waited on after the run had ended"
    await waiting
