"""Two fixes to moto's SQS ``ReceiveMessage`` on FIFO queues, for the tests' moto server.

moto 5.2 (docs/aws.md, "where moto falls short") breaks SQS's FIFO rule — while a message
of a group is in flight no other message of that group is handed out, to any poller — when
several receives of one queue run at once, as headrace's lanes' long polls do:

- **Receives are not atomic.** Each request runs on its own server thread; a receive takes
  a snapshot of the groups in flight when it starts, then scans the queue. Two receives
  that overlap both see a group free and split it: one gets ``a-0, a-3``, the other
  ``a-1, a-2``, and nothing can keep that group's order. Fixed here by running each receive
  under its queue's own lock, released only while the receive waits.
- **A long poll spins.** When every visible message belongs to a group in flight, moto's
  wait returns at once and the receive rescans in a busy loop until a group frees or the
  poll ends, up to 20 s: a core's worth of CPU in the test process, which slows the engine
  and the other requests enough that visibility timeouts run out on a loaded machine.
  Fixed here by waiting a moment between such scans (a send still wakes it at once).

Nothing else changes: which message a scan picks, receipt handles, receive counts and
redrive stay moto's. :func:`fix_fifo_receives` refuses a moto whose internals moved.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest

# How soon a long poll whose visible messages are all held back (their groups in flight)
# looks again: often enough that a freed group is seen at once, rarely enough to cost nothing.
BLOCKED_RESCAN_SECONDS = 0.05


def fix_fifo_receives(patch: pytest.MonkeyPatch) -> None:
    """Make moto's ReceiveMessage atomic per queue, and its blocked long polls sleep.

    Raises RuntimeError if moto no longer has the methods this relies on.
    """
    from moto.sqs.models import Queue, SQSBackend

    if not (hasattr(SQSBackend, "receive_message") and hasattr(Queue, "wait_for_messages")):
        raise RuntimeError("moto's SQS internals changed: review tests/moto_fixes.py")
    patch.setattr(SQSBackend, "receive_message", _atomic(SQSBackend.receive_message))
    patch.setattr(Queue, "wait_for_messages", _wait_for_messages)


def _atomic(receive: Any) -> Any:
    @functools.wraps(receive)
    def receive_message(self: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        # The queue's Condition (an RLock): its wait() releases it while the poll waits.
        with self.get_queue(queue_name)._messages_lock:
            return receive(self, queue_name, *args, **kwargs)

    return receive_message


def _wait_for_messages(self: Any, timeout: int) -> None:
    """moto's wait for a visible message, except that visible but held-back messages (the
    receive found nothing to take) make it wait a moment instead of returning at once."""
    with self._messages_lock:
        if self.messages:
            self._messages_lock.wait(BLOCKED_RESCAN_SECONDS)
        else:
            self._messages_lock.wait_for(lambda: self.messages, timeout=timeout)
