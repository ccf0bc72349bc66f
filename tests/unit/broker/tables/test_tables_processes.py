"""An item write and its change record are one transaction: a SIGKILLed writer or a failed
append never leaves one without the other; concurrent writers keep per-item order."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from broker_helpers import start_script
from tables_helpers import ACCOUNT, REGION, read_changes, s, table_config

from headrace.broker.tables import TableBroker
from headrace.clock import SystemClock
from headrace.errors import BrokerError

WRITER = Path(__file__).with_name("tables_writer.py")
# Committed writes the killed writer makes before the kill (enough to be mid-stream).
WRITES_BEFORE_KILL = 150
# Writes each concurrent writer makes.
WRITES_PER_WRITER = 100
DECLARED = {"users": table_config(shard_count=2)}


def start_writer(path: Path, tag: str, count: int) -> subprocess.Popen[str]:
    return start_script(WRITER, str(path), tag, str(count))


def open_tables(path: Path) -> TableBroker:
    return TableBroker(path, DECLARED, region=REGION, account=ACCOUNT, notify=lambda _: None)


def items_by_key(path: Path) -> dict[str, Any]:
    """Every stored item by its id (read straight from the file)."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT key, item FROM dynamodb_items").fetchall()
    return {json.loads(key)["id"]["S"]: json.loads(item) for key, item in rows}


def last_images(path: Path) -> dict[str, Any]:
    """For each item key, the item its last change record says it is (None: removed)."""
    last: dict[str, Any] = {}
    for record in read_changes(path, DECLARED, "users", SystemClock()):
        body = record["dynamodb"]
        last[body["Keys"]["id"]["S"]] = body.get("NewImage")
    return {key: image for key, image in last.items() if image is not None}


def test_a_killed_writer_leaves_every_item_with_its_record(tmp_path: Path) -> None:
    """SIGKILL mid-stream: the stored items are exactly what the last records say."""
    path = tmp_path / "streams.sqlite3"
    open_tables(path).close()
    writer = start_writer(path, "w", 0)
    assert writer.stdout is not None
    committed = [writer.stdout.readline().strip() for _ in range(WRITES_BEFORE_KILL)]
    writer.send_signal(signal.SIGKILL)
    writer.communicate()
    assert writer.returncode == -signal.SIGKILL
    stored = {
        r["dynamodb"]["SequenceNumber"]
        for r in read_changes(path, DECLARED, "users", SystemClock())
    }
    assert set(committed) <= stored
    assert items_by_key(path) == last_images(path)


def test_a_failed_record_append_stores_no_item(tmp_path: Path) -> None:
    """If the change record cannot be written, the item write is rolled back with it."""
    path = tmp_path / "streams.sqlite3"
    tables = open_tables(path)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TRIGGER no_records BEFORE INSERT ON records "
            "BEGIN SELECT RAISE(ABORT, 'no space for records'); END"
        )
    with pytest.raises(BrokerError, match="no space for records"):
        tables.put_item("users", {"id": s("u1")})
    assert tables.get_item("users", {"id": s("u1")}) is None
    tables.close()


def test_concurrent_writers_keep_every_item_with_its_record(tmp_path: Path) -> None:
    """Two processes writing at once: every reported record is stored, items match records."""
    path = tmp_path / "streams.sqlite3"
    open_tables(path).close()
    writers = [start_writer(path, tag, WRITES_PER_WRITER) for tag in ("a", "b")]
    outputs = [writer.communicate()[0].split() for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0]
    records = read_changes(path, DECLARED, "users", SystemClock())
    assert sorted(r["dynamodb"]["SequenceNumber"] for r in records) == sorted(
        outputs[0] + outputs[1]
    )
    assert items_by_key(path) == last_images(path)
