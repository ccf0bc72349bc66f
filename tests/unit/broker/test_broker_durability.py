"""Durability and sharing: a killed writer loses no commit; processes share one file."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from broker_helpers import BrokerFactory

from headrace.broker import QueueBroker
from headrace.broker.queue_store import SCHEMA_VERSION, Database
from headrace.clock import SystemClock
from headrace.config.model import QueueConfig
from headrace.errors import BrokerError

CHILD = Path(__file__).with_name("broker_child.py")
PLAIN = {"plain": QueueConfig(name="plain")}


def child(data_dir: Path, mode: str, count: int, prefix: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(data_dir), mode, str(count), prefix],
        stdout=subprocess.PIPE,
        text=True,
    )


def all_message_ids(broker: QueueBroker, queue: str) -> list[str]:
    return [p.message_id for p in broker.peek_messages(queue, 1_000_000)]


def test_killed_sender_loses_no_committed_message(tmp_path: Path) -> None:
    """Every send committed before a SIGKILL is in the file afterwards (WAL)."""
    sender = child(tmp_path, "send-one-by-one", 100_000, "m")
    assert sender.stdout is not None
    committed = [sender.stdout.readline().strip() for _ in range(300)]
    sender.send_signal(signal.SIGKILL)
    sender.wait()
    committed += [line.strip() for line in sender.stdout if line.strip()]
    broker = QueueBroker(
        tmp_path / "broker.sqlite3", PLAIN, region="us-east-1", account="123456789012"
    )
    stored = all_message_ids(broker, "plain")
    assert len(stored) < 100_000  # it was killed mid-way
    assert set(committed) <= set(stored)
    assert len(set(stored)) == len(stored)
    broker.close()


def test_concurrent_senders_and_a_receiver(tmp_path: Path) -> None:
    """Two processes send while this one receives and deletes: none lost or doubled."""
    broker = QueueBroker(
        tmp_path / "broker.sqlite3",
        PLAIN,
        region="us-east-1",
        account="123456789012",
        clock=SystemClock(),
        notify=lambda _: None,
    )
    senders = [child(tmp_path, "send-batches", 500, prefix) for prefix in ("a", "b")]
    bodies: list[str] = []
    while len(bodies) < 1000:
        messages = broker.receive_messages("plain", 50, visibility_timeout=3600)
        bodies += [m.body for m in messages]
        assert all(broker.delete_messages("plain", [m.receipt_handle for m in messages]))
        if not messages:
            assert all(s.poll() is None or s.returncode == 0 for s in senders)
    for sender in senders:
        assert sender.wait(timeout=60) == 0
    assert sorted(bodies) == sorted([f"a{i}" for i in range(500)] + [f"b{i}" for i in range(500)])
    assert broker.queue_depth("plain").total == 0
    broker.close()


def test_state_survives_reopening(make_broker: BrokerFactory) -> None:
    """Messages, CreatedTimestamp and FIFO sequence numbers carry over a restart."""
    queues = {"q.fifo": QueueConfig(name="q.fifo", fifo_queue=True)}
    first = make_broker(queues)
    first.send_message("q.fifo", "a", message_group_id="g", message_deduplication_id="a")
    created = first.get_queue_attributes("q.fifo")["CreatedTimestamp"]
    first.close()
    second = make_broker(queues)
    result = second.send_message("q.fifo", "a", message_group_id="g", message_deduplication_id="a")
    assert result.duplicate
    b = second.send_message("q.fifo", "b", message_group_id="g", message_deduplication_id="b")
    assert b.sequence_number == "00000000000000000002"
    assert second.get_queue_attributes("q.fifo")["CreatedTimestamp"] == created


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    """A file from a newer headrace is refused, not misread."""
    path = tmp_path / "broker.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(BrokerError, match="newer headrace"):
        Database(path)


def test_unopenable_file_is_a_broker_error(tmp_path: Path) -> None:
    """A path that cannot hold the file is a BrokerError naming it."""
    (tmp_path / "broker.sqlite3").mkdir()
    with pytest.raises(BrokerError, match="cannot open the embedded broker"):
        Database(tmp_path / "broker.sqlite3")


def test_busy_file_is_a_broker_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write lock held by another process past the busy timeout is a BrokerError."""
    monkeypatch.setattr("headrace.broker.queue_store.BUSY_TIMEOUT_S", 0.05)
    database = Database(tmp_path / "broker.sqlite3")
    other = sqlite3.connect(tmp_path / "broker.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(BrokerError, match="is busy"), database.write():
        pass
    other.execute("ROLLBACK")
    other.close()
    database.close()


def test_failed_transaction_rolls_back(tmp_path: Path) -> None:
    """An error inside a write leaves nothing of it behind."""
    database = Database(tmp_path / "broker.sqlite3")

    def insert_then_fail() -> None:
        with database.write() as conn:
            conn.execute("INSERT INTO queues (name, created_at) VALUES ('x', 0)")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        insert_then_fail()
    with database.read() as conn:
        assert conn.execute("SELECT count(*) FROM queues").fetchone() == (0,)
    database.close()


def test_failed_statement_is_a_broker_error_and_rolls_back(tmp_path: Path) -> None:
    """An SQL error inside a write is a BrokerError naming the file; nothing of it is kept."""
    database = Database(tmp_path / "broker.sqlite3")

    def insert_twice() -> None:
        with database.write() as conn:
            conn.execute("INSERT INTO queues (name, created_at) VALUES ('x', 0)")
            conn.execute("INSERT INTO queues (name, created_at) VALUES ('x', 0)")  # UNIQUE

    with pytest.raises(BrokerError, match=r"the embedded broker at .* failed"):
        insert_twice()
    with database.read() as conn:
        assert conn.execute("SELECT count(*) FROM queues").fetchone() == (0,)
    with database.write() as conn:  # the connection is usable again
        conn.execute("INSERT INTO queues (name, created_at) VALUES ('y', 0)")
    database.close()
