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
)
from headrace.esm.lifecycle import MappingState
from headrace.statistics import QueueDepth


async def test_a_mapping_created_while_running_reads_its_queue() -> None:
    """§1.4.2: Create answers Creating; the mapping then settles in Enabled and polls."""
    rig = LiveRig()
    rig.start()
    await rig.turn()
    rig.queue.send("m")
    uuid = rig.create()
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
    uuid = rig.create(Enabled=False)
    assert rig.state(uuid) is MappingState.DISABLED
    await rig.turn(5)
    assert rig.queue_batches() == []
    assert rig.queue.receive_calls == 0
    await rig.stop()


async def test_an_updated_batch_size_applies_to_the_next_batch() -> None:
    """§1.4.6: an update answers Updating, then Enabled; the next batch has the new size."""
    rig = LiveRig()
    uuid = rig.create(BatchSize=1)
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
    uuid = rig.create()
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
    uuid = rig.create()
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
    uuid = rig.create()
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
    uuid = rig.create()
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
    uuid = rig.create()
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
    uuid = rig.create()
    with pytest.raises(ResourceConflictException, match=uuid):
        rig.create()
    assert [d.uuid for d in rig.engine.list()] == [uuid]


async def test_a_create_only_field_cannot_be_updated() -> None:
    """§1.2: EventSourceArn and StartingPosition are create-only."""
    rig = LiveRig()
    uuid = rig.create(STREAM_ARN)
    rig.start()
    await rig.turn()
    with pytest.raises(InvalidParameterValueException):
        rig.engine.update(uuid, {"StartingPosition": "LATEST"})
    assert rig.state(uuid) is MappingState.ENABLED
    await rig.stop()


async def test_an_update_the_mapping_cannot_serve_changes_nothing() -> None:
    """§1.6.14: an invalid filter pattern is refused; the mapping stays Enabled, as it was."""
    rig = LiveRig()
    uuid = rig.create()
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
    uuid = rig.create()
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
    uuid = rig.create(STREAM_ARN)
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
    uuid = rig.create()
    rig.queue.send("never done")
    rig.start(until_drained=True)
    await rig.turn(1)
    rig.create(STREAM_ARN, FunctionName="stream-fn")
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
    queue = rig.create(BatchSize=2)
    rig.create(STREAM_ARN)
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


async def test_undrained_names_the_mappings_still_at_work() -> None:
    """What a deadline reports: a mapping whose message keeps failing is not drained; once
    it is deleted nothing is left."""

    def failing(event: dict[str, Any], context: Any) -> None:
        raise RuntimeError("always")

    rig = LiveRig(handlers={"process": failing})
    uuid = rig.create()
    rig.queue.send("never done")
    rig.start()
    await rig.turn(1)
    assert [stats.uuid for stats in await rig.engine.undrained()] == [uuid]
    rig.engine.delete(uuid)
    await rig.engine.settled(uuid)
    assert await rig.engine.undrained() == []
    await rig.stop()
