"""The records a shard poller has read but not settled, and the checkpoint they allow.

A record is *settled* once it was processed by a successful invocation, filtered out, or
discarded to the on-failure destination. With ParallelizationFactor > 1 lanes settle out of
order, so the shard's checkpoint is the sequence number of the last record before which
every record is settled (§7.3): a restart re-reads from there, so nothing is skipped and
only records a lane had finished past a slower lane are sent again (at-least-once, §8.5).
"""

from __future__ import annotations

import zlib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from headrace.events import StreamRecord


@dataclass(slots=True, eq=False)
class Entry:
    """One record read from a shard, with its event record's JSON built once.

    ``window_start`` is the tumbling window it belongs to (None without windows).
    """

    record: StreamRecord
    raw: bytes  # the event record as JSON
    window_start: float | None = None
    settled: bool = False

    @property
    def size(self) -> int:
        """Bytes the record adds to an invocation payload (its JSON and a comma)."""
        return len(self.raw) + 1

    @property
    def sequence_number(self) -> str:
        return self.record.sequence_number

    @property
    def arrival(self) -> float:
        return self.record.approximate_arrival_timestamp


class ShardLedger:
    """Unsettled records of one shard in read order, and the checkpoint they allow."""

    def __init__(self, checkpoint: str | None) -> None:
        self.checkpoint = checkpoint  # the last record at or before which all are settled
        self.last_read = checkpoint  # the last record read
        self._entries: deque[Entry] = deque()
        self._unsettled = 0

    @property
    def unsettled(self) -> int:
        """How many records were read and are not settled yet."""
        return self._unsettled

    def oldest_unsettled(self) -> Entry | None:
        """The first record not settled yet (the one holding the checkpoint back)."""
        for entry in self._entries:
            if not entry.settled:
                return entry
        return None

    def append(self, entry: Entry) -> None:
        """Add a record just read (settled already if it was filtered out)."""
        self._entries.append(entry)
        self.last_read = entry.record.sequence_number
        if not entry.settled:
            self._unsettled += 1

    def settle(self, entries: Iterable[Entry]) -> None:
        """Mark records settled (each at most once counts)."""
        for entry in entries:
            if not entry.settled:
                entry.settled = True
                self._unsettled -= 1

    def advance(self) -> bool:
        """Move the checkpoint past every leading settled record; True if it moved."""
        moved = False
        entries = self._entries
        while entries and entries[0].settled:
            self.checkpoint = entries.popleft().sequence_number
            moved = True
        return moved


def lane_index(key: str, lanes: int) -> int:
    """The lane of an ordering key: stable across processes, so a key keeps its lane (§5.2)."""
    if lanes == 1:
        return 0
    return zlib.crc32(key.encode("utf-8")) % lanes
