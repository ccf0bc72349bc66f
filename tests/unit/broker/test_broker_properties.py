"""Properties: any interleaving of operations loses and duplicates nothing (§4.1.1, §4.1.7)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from headrace.broker import QueueBroker
from headrace.clock import FakeClock
from headrace.config.model import QueueConfig
from headrace.events import QueueMessage

VISIBILITY = 10
# One operation: ("send", group), ("receive", (count, visibility)), ("delete", pick),
# ("release", pick) — ChangeMessageVisibility to 0 — or ("advance", seconds).
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("send"), st.sampled_from("ab")),
        st.tuples(
            st.just("receive"),
            st.tuples(st.integers(1, 5), st.sampled_from([None, 0, 3, 20])),
        ),
        st.tuples(st.just("delete"), st.integers(0, 50)),
        st.tuples(st.just("release"), st.integers(0, 50)),
        st.tuples(st.just("advance"), st.integers(1, 15)),
    ),
    min_size=10,
    max_size=60,
)

# Interleavings random generation rarely reaches, pinned: a message released while a later
# one of its group is still in flight.
BEHIND_IN_FLIGHT = [
    ("send", "a"),
    ("send", "a"),
    ("receive", (2, None)),
    ("release", 0),
    ("receive", (5, None)),
]


@dataclass
class Model:
    """What the queue must hold: sent minus deleted; who may hold what, until when."""

    clock: FakeClock
    fifo: bool
    sent: list[str] = field(default_factory=list)
    group_of: dict[str, str] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    latest_handle: dict[str, str] = field(default_factory=dict)
    hidden_until: dict[str, float] = field(default_factory=dict)
    held: list[QueueMessage] = field(default_factory=list)

    def in_flight(self, message_id: str) -> bool:
        return (
            message_id not in self.deleted
            and self.hidden_until.get(message_id, 0) > self.clock.time()
        )

    def received(self, messages: list[QueueMessage], visibility: int) -> None:
        now = self.clock.time()
        for m in messages:
            assert m.message_id in self.sent
            assert not self.in_flight(m.message_id), "handed out while in flight"
            assert m.message_id not in self.deleted
            if self.fifo:
                self.check_group_order(m)
        for m in messages:
            self.hidden_until[m.message_id] = now + visibility
            self.latest_handle[m.message_id] = m.receipt_handle
            self.held.append(m)

    def check_group_order(self, message: QueueMessage) -> None:
        """§4.1.7: nothing of the group in flight, and every earlier one is deleted."""
        group = self.group_of[message.message_id]
        earlier = self.sent[: self.sent.index(message.message_id)]
        for other in earlier:
            if self.group_of[other] == group:
                assert other in self.deleted or other in self.handed_now, "out of group order"
        for other, other_group in self.group_of.items():
            if other_group == group and other != message.message_id:
                assert not self.in_flight(other) or other in self.handed_now

    handed_now: set[str] = field(default_factory=set)

    def is_current(self, m: QueueMessage) -> bool:
        return (
            self.latest_handle.get(m.message_id) == m.receipt_handle
            and m.message_id not in self.deleted
        )


def run(ops: list[tuple[str, object]], fifo: bool) -> None:
    clock = FakeClock()
    name = "q.fifo" if fifo else "q"
    config = QueueConfig(name=name, visibility_timeout=VISIBILITY, fifo_queue=fifo)
    with tempfile.TemporaryDirectory() as folder:
        broker = QueueBroker(
            Path(folder) / "broker.sqlite3",
            {name: config},
            region="us-east-1",
            account="123456789012",
            clock=clock,
            notify=lambda _: None,
        )
        model = Model(clock, fifo)
        for kind, arg in ops:
            apply(broker, model, name, kind, arg)
            assert broker.queue_depth(name).total == len(set(model.sent) - model.deleted)
        clock.advance(3600)
        drained = [m.message_id for m in broker.receive_messages(name, 10_000)]
        if fifo:  # one receive gets every group's remaining messages, all groups free now
            assert drained == [i for i in model.sent if i not in model.deleted]
        assert sorted(drained) == sorted(set(model.sent) - model.deleted)
        broker.close()


def apply(broker: QueueBroker, model: Model, name: str, kind: str, arg: object) -> None:
    if kind == "send":
        group = str(arg)
        message_id = broker.send_message(
            name,
            f"m{len(model.sent)}",
            message_group_id=group if model.fifo else None,
            message_deduplication_id=f"d{len(model.sent)}" if model.fifo else None,
        ).message_id
        model.sent.append(message_id)
        model.group_of[message_id] = group
    elif kind == "receive":
        count, visibility = arg  # type: ignore[misc]
        messages = broker.receive_messages(name, count, visibility_timeout=visibility)
        model.handed_now = {m.message_id for m in messages}
        model.received(messages, VISIBILITY if visibility is None else visibility)
        model.handed_now = set()
    elif kind == "advance":
        model.clock.advance(int(arg))  # type: ignore[call-overload]
    elif model.held:
        message = model.held.pop(int(arg) % len(model.held))  # type: ignore[call-overload]
        apply_to_held(broker, model, name, kind, message)


def apply_to_held(
    broker: QueueBroker, model: Model, name: str, kind: str, message: QueueMessage
) -> None:
    if kind == "delete":
        expected = model.is_current(message)
        assert broker.delete_messages(name, [message.receipt_handle]) == [expected]
        if expected:
            model.deleted.add(message.message_id)
        return
    expected = model.is_current(message) and model.in_flight(message.message_id)
    assert broker.change_visibility(name, [message.receipt_handle], 0) == [expected]
    if expected:
        model.hidden_until[message.message_id] = model.clock.time()


@settings(max_examples=150, deadline=None)
@given(OPERATIONS)
@example(BEHIND_IN_FLIGHT)
def test_standard_queue_loses_and_duplicates_nothing(ops: list[tuple[str, object]]) -> None:
    """§4.1.1: whatever the interleaving, sent = deleted + remaining, none in flight twice."""
    run(ops, fifo=False)


@settings(max_examples=150, deadline=None)
@given(OPERATIONS)
@example(BEHIND_IN_FLIGHT)
def test_fifo_queue_keeps_group_order(ops: list[tuple[str, object]]) -> None:
    """§4.1.7: FIFO groups go out in order, one in-flight stretch per group, nothing lost."""
    run(ops, fifo=True)
