"""Issue 8, item 1: many processes and threads opening one new data_dir at once all succeed;
a truncated file is refused instead of silently recreated."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from pathlib import Path

import pytest
from datadir_opener import open_rounds

from headrace.broker.queue_broker import QueueBroker
from headrace.config.model import QueueConfig
from headrace.errors import BrokerError
from headrace.state.sqlite import SqliteStatusStore

# Processes, threads in each, and fresh data_dirs they all open together: a race between two
# openers of a new file is narrow, so many fresh data_dirs give it many chances.
PROCESSES = 4
THREADS = 5
ROUNDS = 40
# Bound on the whole stampede: opening waits for the others, it must not hang.
STAMPEDE_TIMEOUT_S = 240.0
REGION = "us-east-1"
ACCOUNT = "000000000000"


def test_new_data_dirs_opened_from_everywhere_at_once(tmp_path: Path) -> None:
    """Queue broker, stream broker, table broker, status store and checkpoint store, opened
    by 4 processes x 5 threads on each of 40 new data_dirs at once: every opener waits its
    turn and succeeds (none fails with "database is locked")."""
    data_dirs = [tmp_path / f"fresh-{n}" for n in range(ROUNDS)]
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES * THREADS)
    out: multiprocessing.Queue[list[str]] = context.Queue()
    workers = [
        context.Process(target=open_rounds, args=(data_dirs, worker, start, THREADS, out))
        for worker in range(PROCESSES)
    ]
    for process in workers:
        process.start()
    try:
        results = [r for _ in workers for r in out.get(timeout=STAMPEDE_TIMEOUT_S)]
    finally:
        for process in workers:
            process.join(STAMPEDE_TIMEOUT_S)
            if process.is_alive():
                process.kill()
    assert [r for r in results if r != "ok"] == []
    assert len(results) == PROCESSES * THREADS * ROUNDS


def test_a_truncated_broker_file_is_refused(tmp_path: Path) -> None:
    """A broker file cut to 0 bytes is refused with a message, not taken for a new empty one."""
    queues = {"q": QueueConfig(name="q")}
    broker = QueueBroker(tmp_path / "broker.sqlite3", queues, region=REGION, account=ACCOUNT)
    broker.send_message("q", "kept")
    broker.close()
    os.truncate(tmp_path / "broker.sqlite3", 0)
    with pytest.raises(BrokerError, match=r"broker.sqlite3 is 0 bytes.*truncated"):
        QueueBroker(tmp_path / "broker.sqlite3", queues, region=REGION, account=ACCOUNT)
    assert (tmp_path / "broker.sqlite3").stat().st_size == 0  # left for the user to restore


def test_a_truncated_state_file_is_refused(tmp_path: Path) -> None:
    """The state file is checked as the broker files are."""
    SqliteStatusStore(tmp_path / "state.sqlite3").close()
    os.truncate(tmp_path / "state.sqlite3", 0)
    with pytest.raises(BrokerError, match="truncated"):
        SqliteStatusStore(tmp_path / "state.sqlite3")


def test_an_existing_file_opens_while_another_process_holds_its_write_lock(
    tmp_path: Path,
) -> None:
    """`status` must open state.sqlite3 while the engine (or anyone) holds a long write: an
    existing file's schema is only read, so opening does not wait for the write lock."""
    SqliteStatusStore(tmp_path / "state.sqlite3").close()
    writer = sqlite3.connect(tmp_path / "state.sqlite3", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        store = SqliteStatusStore(tmp_path / "state.sqlite3", busy_timeout=0.1)
        assert store.read() == (None, [])
        store.close()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
