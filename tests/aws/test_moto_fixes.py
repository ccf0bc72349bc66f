"""moto as the tests run it (``tests/moto_fixes.py``) keeps SQS's FIFO rule under concurrency.

These drive moto's SQS backend (the one its server answers from) from threads, as the
server's request threads do, and force the interleaving that breaks unfixed moto 5.2.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from aws_support import MOTO_ACCOUNT, REGION, MotoQueue, Queues

# Bound on how long the second receive, paused after its snapshot of the groups in flight,
# waits for the first to finish. Fixed moto never lets the first one through meanwhile, so
# this is how long the test takes; unfixed moto ends the pause at once.
PAUSE_SECONDS = 0.5
# A long poll of one second on a queue whose visible messages are all held back: unfixed
# moto rescans it in a busy loop (thousands of times), fixed moto every 50 ms.
LONG_POLL_SECONDS = 1
MAX_SCANS_PER_SECOND = 50


def backend() -> Any:
    from moto.sqs.models import sqs_backends

    return sqs_backends[MOTO_ACCOUNT][REGION]


@pytest.fixture
def fifo(queues: Queues) -> MotoQueue:
    made = queues.create(FifoQueue=True, ContentBasedDeduplication=True, VisibilityTimeout=30)
    queues.send(made, "a-0", "a-1", "a-2", "a-3", group="a")
    return made


def receive(queue: MotoQueue, count: int, wait: int = 0) -> list[str]:
    return [m.body for m in backend().receive_message(queue.name, count, wait, 30)]


def test_overlapping_receives_never_split_a_fifo_group(
    fifo: MotoQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """§4.1.7: a receive that looked at the groups in flight before another receive took a
    group's first messages does not take that group's next ones."""
    from moto.sqs.models import Queue

    snapshot_taken, first_done = threading.Event(), threading.Event()
    in_flight_groups = Queue.pending_message_groups.fget  # type: ignore[attr-defined]

    def pausing_groups(queue: Any) -> set[str]:
        groups: set[str] = in_flight_groups(queue)
        if threading.current_thread().name == "second" and not snapshot_taken.is_set():
            snapshot_taken.set()
            first_done.wait(PAUSE_SECONDS)
        return groups

    monkeypatch.setattr(Queue, "pending_message_groups", property(pausing_groups))
    got: dict[str, list[str]] = {}

    def first() -> None:
        snapshot_taken.wait(PAUSE_SECONDS)
        got["first"] = receive(fifo, 2)
        first_done.set()

    def second() -> None:
        got["second"] = receive(fifo, 2)

    threads = [threading.Thread(target=first), threading.Thread(target=second, name="second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(got["first"] + got["second"]) == ["a-0", "a-1"]


def test_a_blocked_long_poll_does_not_spin(
    fifo: MotoQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long poll whose visible messages all wait behind their group's in-flight ones
    rescans now and then, not in a busy loop."""
    from moto.sqs.models import Queue

    scans = 0
    wait = Queue.wait_for_messages

    def counting_wait(queue: Any, timeout: int) -> None:
        nonlocal scans
        scans += 1
        wait(queue, timeout)

    assert receive(fifo, 1) == ["a-0"]  # group a is in flight; a-1..a-3 are held back
    monkeypatch.setattr(Queue, "wait_for_messages", counting_wait)
    assert receive(fifo, 1, wait=LONG_POLL_SECONDS) == []
    assert 0 < scans <= MAX_SCANS_PER_SECOND * LONG_POLL_SECONDS
