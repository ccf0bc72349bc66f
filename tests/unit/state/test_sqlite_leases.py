"""SQLite leases under real contention: threads on their own connections to one file."""

from __future__ import annotations

import threading
from pathlib import Path

from headrace.state.sqlite_leases import SqliteLeaseTable
from headrace.state.state_file import open_state_file
from headrace.state.state_seam import Lease

THREADS = 6
RESOURCES = 30
NOW = 1_700_000_000.0


def test_racing_takers_on_separate_connections_never_both_win(tmp_path: Path) -> None:
    """Each free lease goes to exactly one of several threads taking it at once."""
    path = tmp_path / "state.sqlite3"
    open_state_file(path).close()
    barrier = threading.Barrier(THREADS)
    won: list[list[Lease]] = [[] for _ in range(THREADS)]

    def worker(n: int) -> None:
        db = open_state_file(path)
        try:
            table = SqliteLeaseTable(db)
            for r in range(RESOURCES):
                barrier.wait()
                lease = table.take(f"shard-{r}", f"worker-{n}", 10.0, NOW)
                if lease is not None:
                    won[n].append(lease)
        finally:
            db.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = sorted(lease.resource for leases in won for lease in leases)
    assert winners == sorted(f"shard-{r}" for r in range(RESOURCES))
    assert all(lease.token == 1 for leases in won for lease in leases)
