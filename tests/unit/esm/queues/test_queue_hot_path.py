"""The queue poller's hot path: what a lane asks of its source per batch under a backlog."""

from __future__ import annotations

from typing import Any

from tests.unit.esm.conftest import QUEUE_ARN, MakeHarness

from headrace.clock import FakeClock
from headrace.config.model import EventSourceMappingConfig
from headrace.esm.engine import Engine, MappingBinding
from headrace.esm.queues.queue_build import build_queue_mapping
from headrace.sources.kinds.sqs_family import SqsRecordShape
from headrace.testing.memory_functions import InMemoryFunctionRuntime
from headrace.testing.memory_queue_source import InMemoryQueueSource


def ok(event: dict[str, Any], context: Any) -> None:
    return None


class CountingQueue(InMemoryQueueSource):
    """An in-memory queue that counts the engine's wait_visible calls."""

    waits = 0

    async def wait_visible(self, timeout: float) -> bool:
        self.waits += 1
        return await super().wait_visible(timeout)


async def test_backlog_is_received_without_waiting_between_batches() -> None:
    """§2.2: with a backlog a lane receives the next batch at once (no visibility wait)."""
    clock = FakeClock()
    queue = CountingQueue(QUEUE_ARN, clock=clock)
    runtime = InMemoryFunctionRuntime("f", ok, concurrency=1)
    config = EventSourceMappingConfig.from_aws(
        {"FunctionName": "f", "EventSourceArn": QUEUE_ARN, "BatchSize": 10}
    )
    mapping = build_queue_mapping(
        config,
        queue,
        runtime,
        clock=clock,
        shape=SqsRecordShape(QUEUE_ARN, "us-east-1"),
        function_timeout=3,
        function_concurrency=1,
    )
    for i in range(50):
        queue.send(f"m{i}")
    result = await Engine([MappingBinding(mapping, queue)], clock=clock).run(until_drained=True)
    assert result.drained
    assert len(runtime.invocations) == 5
    # One wait before the first batch, none between batches, one after the sixth (empty)
    # receive; waiting before every batch would make it six.
    assert queue.waits == 2
    assert queue.receive_calls == 6


async def test_drain_is_seen_after_the_batch_that_empties_the_queue(
    make_harness: MakeHarness,
) -> None:
    """The drain check sees an exactly emptied queue: the lane's next receive is short."""
    h = make_harness(ok, concurrency=1, BatchSize=10)
    for i in range(20):
        h.queue.send(f"m{i}")
    result = await h.drain(step=0.0, limit=50)
    assert result.drained
    assert h.queue.bodies == []
    assert h.mapping.statistics().deleted == 20


async def test_a_stopped_mapping_finishes_its_last_delete(make_harness: MakeHarness) -> None:
    """§4.1.1: a batch that succeeded just before a stop is still deleted and counted."""
    seen: list[int] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        seen.append(len(event["Records"]))
        h.engine.stop()

    h = make_harness(handler, concurrency=1, BatchSize=10)
    for i in range(15):
        h.queue.send(f"m{i}")
    await h.engine.run()
    assert seen[0] == 10
    assert len(h.queue.bodies) == 15 - sum(seen)
    assert h.mapping.statistics().deleted == sum(seen)


async def test_a_failing_delete_surfaces_in_the_lane(make_harness: MakeHarness) -> None:
    """A delete that fails is reported by the lane and its messages come back later."""
    h = make_harness(ok, concurrency=1, BatchSize=10, visibility_timeout=5)
    for i in range(3):
        h.queue.send(f"m{i}")
    h.queue.faults["delete"] = [RuntimeError("disk full")]
    result = await h.drain(step=1.0)
    assert result.drained
    assert h.mapping.statistics().deleted == 3
    assert len(h.events) == 2


def test_payload_is_the_records_encoded_in_one_go() -> None:
    """§3.1: the payload built from records encoded one by one is the same bytes."""
    import msgspec

    from headrace.esm.queues.queue_batch import QueueBatch
    from headrace.events import MessageAttributeValue, QueueMessage, encode_event, sqs_record

    messages = [
        QueueMessage("id-1", "1-1", '{"a": "é ✓ \\u2028"}', "md5", {"SentTimestamp": "1"}),
        QueueMessage(
            "id-2",
            "2-1",
            "plain",
            "md5",
            {"SentTimestamp": "2"},
            {"k": MessageAttributeValue("Binary", binary_value=b"\x00\xff")},
            "md5attrs",
        ),
    ]
    records = [sqs_record(m, QUEUE_ARN, "us-east-1") for m in messages]
    batch = QueueBatch(SqsRecordShape(QUEUE_ARN, "us-east-1"))
    for message, record in zip(messages, records, strict=True):
        assert batch.add(message, msgspec.json.encode(record))
    assert batch.payload() == encode_event(records)
    # The size counts a comma after every record: one more than the payload holds.
    assert batch.size == len(batch.payload()) + 1


def test_the_shape_builds_each_record_with_the_queue_bound_once() -> None:
    """§3.1: the SQS shape's per-message builder (ARN and region bound when the shape is
    made) gives AWS's record, keys in AWS's order, as sqs_record does."""
    from headrace.events import MessageAttributeValue, QueueMessage, sqs_record

    message = QueueMessage(
        "id-1",
        "1-1",
        "body",
        "md5",
        {"SentTimestamp": "1"},
        {"k": MessageAttributeValue("String", string_value="v")},
        "md5attrs",
    )
    record = SqsRecordShape(QUEUE_ARN, "eu-west-1").record(message)
    assert list(record.items()) == [
        ("messageId", "id-1"),
        ("receiptHandle", "1-1"),
        ("body", "body"),
        ("attributes", {"SentTimestamp": "1"}),
        (
            "messageAttributes",
            {
                "k": {
                    "stringValue": "v",
                    "stringListValues": [],
                    "binaryListValues": [],
                    "dataType": "String",
                }
            },
        ),
        ("md5OfMessageAttributes", "md5attrs"),
        ("md5OfBody", "md5"),
        ("eventSource", "aws:sqs"),
        ("eventSourceARN", QUEUE_ARN),
        ("awsRegion", "eu-west-1"),
    ]
    assert record == sqs_record(message, QUEUE_ARN, "eu-west-1")
