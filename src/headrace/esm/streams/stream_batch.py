"""Taking one stream batch from a lane's records: BatchSize, the 6 MB cap, one window (§2).

A lane's records are already read and filtered, in shard order; a batch is a prefix of them.
It stops at ``BatchSize`` records (§2.4), before the record that would take the payload past
6 MB (§2.1), and — with tumbling windows — before the first record of a later window
(§3.4.3). It always holds at least one record (§2.8-2.9). Batches hold one shard's records
because each lane belongs to one shard (§2.7).
"""

from __future__ import annotations

from collections import deque

from headrace.esm.queues.queue_batch import ENVELOPE_BYTES, MAX_PAYLOAD_BYTES
from headrace.esm.streams.ledger import Entry

# Bytes of a tumbling window's keys besides Records and state (window bounds, shard id,
# ARN, flags): a generous fixed allowance, so a windowed payload stays under 6 MB too.
WINDOW_ENVELOPE_BYTES = 1024


def payload_budget(state_bytes: int | None) -> int:
    """Bytes the records of one batch may take: 6 MB less the event's other keys."""
    budget = MAX_PAYLOAD_BYTES - ENVELOPE_BYTES
    if state_bytes is not None:
        budget -= WINDOW_ENVELOPE_BYTES + state_bytes
    return budget


def take_batch(pending: deque[Entry], batch_size: int, budget: int) -> list[Entry]:
    """Remove and return the next batch from ``pending`` (which must not be empty)."""
    first = pending.popleft()
    batch = [first]
    used = first.size
    window = first.window_start
    while pending and len(batch) < batch_size:
        entry = pending[0]
        if entry.window_start != window or used + entry.size > budget:
            break
        batch.append(pending.popleft())
        used += entry.size
    return batch


def count_ready(pending: deque[Entry], batch_size: int) -> int:
    """How many of the next records a batch could take now (for the batching window)."""
    if not pending:
        return 0
    window = pending[0].window_start
    count = 0
    for entry in pending:
        if entry.window_start != window or count >= batch_size:
            break
        count += 1
    return count
