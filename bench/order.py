"""Reading what the order handler wrote: throughput and the order of records per key."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class OrderReport:
    """What the handlers saw: records, distinct records, keys out of order, time span."""

    records: int = 0
    distinct: int = 0
    keys: int = 0
    out_of_order: list[str] = field(default_factory=list)
    first_ns: int = 0
    last_ns: int = 0

    @property
    def seconds(self) -> float:
        return (self.last_ns - self.first_ns) / 1e9

    @property
    def rate(self) -> float:
        return self.distinct / self.seconds if self.seconds > 0 else 0.0


def count_lines(folder: Path) -> int:
    """Records written so far by every worker (invocation summary lines not counted)."""
    total = 0
    for path in folder.glob("order-*.txt"):
        with path.open("rb") as file:
            total += sum(1 for line in file if not line.startswith(b"#"))
    return total


def read(folder: Path) -> OrderReport:
    """Check that, per key, positions increase in the order the handlers started.

    Each line is ``key position started_ns``; lines of one invocation share ``started_ns``
    and are in batch order. A record seen twice (a retry) is counted once for throughput;
    the order check looks at the first time each record ran.
    """
    report = OrderReport()
    per_key: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    starts, ends = [], []
    for path in folder.glob("order-*.txt"):
        for index, line in enumerate(path.read_text().splitlines()):
            parts = line.split()
            if parts[0] == "#":
                starts.append(int(parts[1]))
                ends.append(int(parts[2]))
                continue
            key, position, started = parts[0], int(parts[1]), int(parts[2])
            per_key[key].append((started, index, position))
            report.records += 1
    report.keys = len(per_key)
    for key, runs in per_key.items():
        runs.sort()
        seen: set[int] = set()
        last = -1
        for _started, _index, position in runs:
            if position in seen:
                continue
            seen.add(position)
            if position < last:
                report.out_of_order.append(key)
                break
            last = position
        report.distinct += len(seen)
    if starts:
        report.first_ns, report.last_ns = min(starts), max(ends)
    return report
