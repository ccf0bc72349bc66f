"""The history of a shard's failing batches, kept beside its checkpoint across restarts.

A batch that failed waits in its lane for a retry with an :class:`Attempt` (invocations so
far, retries used up). Held only in memory, a restart would give it a fresh
MaximumRetryAttempts and an ``approximateInvokeCount`` starting again at 1. So each shard
keeps a :class:`RetryBook`: the batches waiting for a retry, by the sequence number of their
first record, stored with the checkpoint whenever it changes — only on the failure path, a
successful new batch costs one dictionary lookup.

After a restart the book holds the stored batches; a lane whose next records begin with one
takes exactly that batch (up to its last record) with its history, and a new batch never
runs into a stored one, so each keeps its own count (§4.2.4). Stored batches whose first
record is at or before the shard's checkpoint were settled before the restart: dropped.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Sequence

from headrace.esm.streams.ledger import Entry
from headrace.esm.streams.policy import Attempt
from headrace.state.state_seam import RetryState


class RetryBook:
    """One shard's batches waiting for a retry: this run's, and the last run's not resumed."""

    def __init__(
        self,
        save: Callable[[tuple[RetryState, ...]], None],
        stored: Sequence[RetryState] = (),
        checkpoint: str | None = None,
    ) -> None:
        """``save`` stores the shard's states (the checkpoint writer's next transaction);
        ``stored`` are the last run's, ``checkpoint`` the shard's stored position."""
        self._save = save
        self._waiting: dict[str, RetryState] = {}
        self._resumable = {s.first: s for s in stored if not _settled(s.first, checkpoint)}

    @property
    def resumable(self) -> bool:
        """Whether batches of the last run wait to be resumed (the slow path of new batches)."""
        return bool(self._resumable)

    def forget_stored(self) -> None:
        """Drop the last run's batches (the shard is read again from its start)."""
        self._resumable.clear()

    def states(self) -> tuple[RetryState, ...]:
        """Everything to store for the shard: waiting batches and those not yet resumed."""
        return (*self._waiting.values(), *self._resumable.values())

    def resume(self, pending: deque[Entry], batch_size: int) -> tuple[int, Attempt]:
        """How many of ``pending``'s first records the next batch takes, and its history.

        A stored batch that starts at the head is taken through its last record (at most
        ``batch_size``) with its stored history; otherwise the batch stops before the first
        record of a stored batch, and starts fresh.
        """
        stored = self._resumable.pop(pending[0].sequence_number, None)
        count = 0
        for entry in itertools.islice(pending, batch_size):
            sequence = entry.sequence_number
            if count and sequence in self._resumable:
                break
            count += 1
            if stored is not None and sequence == stored.last:
                break
        if stored is None:
            return count, Attempt()
        self._waiting[stored.first] = stored  # still stored, now this run's
        return count, Attempt(stored.invocations, stored.retries, stored.request_id)

    def settle(self, first: str, retried: Sequence[tuple[Sequence[Entry], Attempt]]) -> None:
        """A batch starting at ``first`` was invoked: its parts in ``retried`` wait again.

        Saves the shard's states only if the book held the batch or parts wait (a batch
        that succeeded the first time costs a lookup).
        """
        had = self._waiting.pop(first, None) is not None
        for entries, attempt in retried:
            head, tail = entries[0].sequence_number, entries[-1].sequence_number
            self._waiting[head] = RetryState(
                head, tail, attempt.invocations, attempt.retries, attempt.request_id
            )
        if had or retried:
            self._save(self.states())


def _settled(first: str, checkpoint: str | None) -> bool:
    """Whether a batch starting at ``first`` lies at or before ``checkpoint``.

    Sequence numbers are decimal digits (Kinesis, DynamoDB Streams, the embedded streams);
    a checkpoint that is a marker (TRIM_HORIZON, a LATEST start's time) settles nothing.
    """
    if checkpoint is None or not (checkpoint.isdigit() and first.isdigit()):
        return False
    return int(first) <= int(checkpoint)
