"""The narrow source seam: a core every kind has, capabilities a kind declares."""

from __future__ import annotations

import headrace.broker  # noqa: F401  (loads broker.embedded before its source: import cycle)
from headrace.clock import FakeClock
from headrace.sources.aws_streams import AwsStreamSource
from headrace.sources.embedded_queue import EmbeddedQueueSource
from headrace.sources.embedded_streams import EmbeddedStreamSource
from headrace.sources.source_seam import (
    CheckpointPositions,
    Deletes,
    GroupOrder,
    OrderedShards,
    QueueDepthReport,
    ReadyWait,
    Settlement,
    SourceCore,
    Visibility,
    capabilities,
)
from headrace.sources.sqs import SqsQueueSource
from headrace.testing.memory_queue_source import InMemoryQueueSource
from headrace.testing.memory_stream_source import InMemoryStreamSource

QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:orders"
STREAM_ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/clicks"
QUEUE_CAPABILITIES = frozenset(
    {"core", "visibility", "ready-wait", "group-order", "concurrent-settle", "deletes", "depth"}
)
STREAM_CAPABILITIES = frozenset({"ordered-shards", "checkpoint-positions"})


def _members(protocol: type) -> set[str]:
    return {name for name in vars(protocol) if not name.startswith("_")}


def test_queue_sources_declare_the_queue_capabilities() -> None:
    """An SQS-shaped source has the core and every queue capability, no stream one."""
    queue = InMemoryQueueSource(QUEUE_ARN, clock=FakeClock())
    assert capabilities(queue) == QUEUE_CAPABILITIES


def test_stream_sources_declare_the_stream_capabilities() -> None:
    """A stream source has ordered shards and checkpoint positions, nothing of a queue's."""
    stream = InMemoryStreamSource(STREAM_ARN, clock=FakeClock())
    assert capabilities(stream) == STREAM_CAPABILITIES


def test_every_concrete_source_class_has_its_capabilities_members() -> None:
    """The embedded and AWS sources carry every member of the core and the capabilities
    they serve."""
    queue_protocols = (SourceCore, Visibility, ReadyWait, GroupOrder, Deletes, QueueDepthReport)
    queue_members = set().union(*map(_members, queue_protocols)) | {"concurrent_settles"}
    stream_members = _members(OrderedShards) | _members(CheckpointPositions)
    for cls in (EmbeddedQueueSource, SqsQueueSource):
        assert queue_members <= set(dir(cls)), cls
    for cls in (EmbeddedStreamSource, AwsStreamSource):
        assert stream_members <= set(dir(cls)), cls


async def test_the_core_settles_successes_and_leaves_failures_to_come_back() -> None:
    """§4.1.1: successes are deleted; failures come back after the visibility timeout."""
    clock = FakeClock()
    queue = InMemoryQueueSource(QUEUE_ARN, clock=clock, visibility_timeout=30)
    for body in ("a", "b", "c"):
        queue.send(body)
    batch = await queue.receive_batch(10, wait_seconds=0)
    assert [m.body for m in batch] == ["a", "b", "c"]
    assert await queue.settle(Settlement(succeeded=batch[:2], failed=batch[2:])) == 2
    assert await queue.receive_batch(10, wait_seconds=0) == []
    clock.advance(31)
    assert [m.body for m in await queue.receive_batch(10, wait_seconds=0)] == ["c"]
