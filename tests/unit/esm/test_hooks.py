"""Engine hooks: a mapping tells each event once; counters and LastProcessingResult listen."""

from __future__ import annotations

from typing import Any

from engine_driving import drain

from headrace.clock import FakeClock
from headrace.config.model import EventSourceMappingConfig
from headrace.esm.engine import Engine, MappingBinding
from headrace.esm.hooks import EngineHooks, Hooks, Settled
from headrace.esm.lifecycle import MappingState
from headrace.esm.mapping_core import MappingRecord
from headrace.esm.mapping_counters import LastProcessingResult, MappingCounters
from headrace.esm.outcome import BatchOutcome, OutcomeKind
from headrace.esm.queues.queue_build import build_queue_mapping
from headrace.sources.kinds.sqs_family import SqsRecordShape
from headrace.testing.memory_functions import InMemoryFunctionRuntime
from headrace.testing.memory_queue_source import InMemoryQueueSource

QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:orders"


class Recording(EngineHooks):
    """A hook that writes down the events it hears."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def batch_received(self, *, polled: int = 0, filtered_out: int = 0) -> None:
        self.events.append(("received", polled, filtered_out))

    def batch_invoked(self, records: int, outcome: BatchOutcome) -> None:
        self.events.append(("invoked", records, outcome.kind.name))

    def settled(self, settled: Settled) -> None:
        self.events.append(("settled", settled.deleted))

    def state_changed(self, state: MappingState, reason: str) -> None:
        self.events.append(("state", state.value))


async def test_a_queue_batch_is_told_to_every_hook_once() -> None:
    """§8.3-8.4: received, invoked and settled reach an extra hook as they reach the counters."""
    clock = FakeClock()
    queue = InMemoryQueueSource(QUEUE_ARN, clock=clock)
    runtime = InMemoryFunctionRuntime("fn", lambda event, context: None)
    recording = Recording()
    record = MappingRecord(extra=(recording,))
    config = EventSourceMappingConfig.from_aws({"FunctionName": "fn", "EventSourceArn": QUEUE_ARN})
    mapping = build_queue_mapping(
        config,
        queue,
        runtime,
        clock=clock,
        shape=SqsRecordShape(QUEUE_ARN, "us-east-1"),
        function_timeout=3,
        function_concurrency=1,
        record=record,
    )
    queue.send("a")
    queue.send("b")
    await drain(Engine([MappingBinding(mapping, queue)], clock=clock), clock, step=1, limit=50)
    received = [e for e in recording.events if e[0] == "received" and e[1]]
    assert received == [("received", 2, 0)]
    assert ("invoked", 2, "SUCCESS") in recording.events
    assert ("settled", 2) in recording.events
    assert recording.events[0] == ("state", "Enabled")
    stats = mapping.statistics()
    assert (stats.polled, stats.invoked, stats.deleted) == (2, 2, 2)
    assert stats.last_processing_result == "OK"


def test_a_source_problem_shows_and_its_end_puts_back_what_was_there() -> None:
    """§1.3.5: a source's problem reads PROBLEM: <text>; its end restores the earlier text."""
    result = LastProcessingResult()
    result.problem("Stream not found: arn:x")
    assert result.text == "PROBLEM: Stream not found: arn:x"
    result.problem("Error occurred while ListShards. denied")
    result.problem(None)
    assert result.text == "No records processed"


def test_an_invocation_after_a_problem_replaces_it() -> None:
    """§1.3.5: the next batch's result replaces a problem the mapping showed."""
    result = LastProcessingResult()
    result.problem("BrokerError: disk I/O error")
    result.batch_invoked(1, BatchOutcome(OutcomeKind.SUCCESS, (), None, "ok"))
    assert result.text == "OK"
    result.problem(None)
    assert result.text == "OK"


def test_each_event_reaches_its_listeners_in_order_and_one_listener_is_called_directly() -> None:
    """Hooks binds each event once: several listeners hear it in the order given, a single
    listener is its own bound method (no call in between, the per-batch hot path), and an
    event nobody listens to is a no-op."""
    first, second = Recording(), Recording()
    both = Hooks((first, second))
    both.settled(Settled(deleted=3))
    both.batch_received(polled=2)
    assert first.events == second.events == [("settled", 3), ("received", 2, 0)]
    counters = MappingCounters()
    alone = Hooks((counters, LastProcessingResult()))
    assert alone.settled == counters.settled
    alone.invoke_started()  # heard by the counters only
    assert counters.in_flight_batches == 1
    Hooks(()).problem("nobody listens")  # no listener, no error
