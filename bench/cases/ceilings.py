"""Case 1, the raw ceilings: what this machine does with the same schema and serialization.

* receive + delete: one thread, one SQLite transaction per batch of 10 on headrace's own
  broker file (filled by headrace's broker, so rows, indexes and pragmas are the same), which
  deletes the previous batch and receives the next; each batch becomes the same SQS event
  JSON headrace sends a handler.
* + pipe hand-off: the same, and each event goes to one child process over a pipe, which
  decodes it with ``json`` (as headrace's worker does) and replies; the loop waits for the
  reply before the batch counts as done. That is the ceiling for process-isolated handlers
  at batch size 10 on one core of work.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import struct
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import msgspec

from bench.common import PYTHON, Row, emit, log, payload
from bench.project import ACCOUNT, REGION, Project, fill, queue_arn

BATCH = 10
# The same statements headrace's broker runs to receive (hide, count, new receipt).
RECEIVE = (
    "UPDATE messages SET visible_at = :until, receive_count = receive_count + 1, "
    "first_receive_at = coalesce(first_receive_at, :now), receipt = receipt + 1 "
    "WHERE seq IN (SELECT seq FROM messages WHERE queue_id = :queue AND visible_at <= :now "
    "AND enqueued_at > 0 ORDER BY visible_at LIMIT :limit) "
    "RETURNING seq, message_id, body, md5_of_body, sent_at, receive_count, first_receive_at, "
    "receipt"
)
DELETE = "DELETE FROM messages WHERE seq IN (SELECT value FROM json_each(?))"
FRAME = struct.Struct("<I")

_encode = msgspec.json.Encoder().encode


def _records(rows: list[Any], arn: str) -> bytes:
    return _encode(
        {
            "Records": [
                {
                    "messageId": message_id,
                    "receiptHandle": f"{seq}-{receipt}",
                    "body": body,
                    "attributes": {
                        "ApproximateReceiveCount": str(count),
                        "SentTimestamp": str(sent),
                        "SenderId": ACCOUNT,
                        "ApproximateFirstReceiveTimestamp": str(first),
                    },
                    "messageAttributes": {},
                    "md5OfBody": md5,
                    "eventSource": "aws:sqs",
                    "eventSourceARN": arn,
                    "awsRegion": REGION,
                }
                for seq, message_id, body, md5, sent, count, first, receipt in rows
            ]
        }
    )


def _prepare(messages: int, tmp: Path) -> tuple[Path, int]:
    project = Project(tmp)
    project.queues["raw"] = {"VisibilityTimeout": 60}
    broker = project.broker()
    fill(broker, "raw", (payload(i) for i in range(messages)))
    queue_id = broker.queue("raw").id
    broker.close()
    return project.data_dir / "broker.sqlite3", queue_id


def _loop(path: Path, queue_id: int, hand_off: Any) -> tuple[int, float, float]:
    """Drain the queue; return (messages, seconds, CPU seconds of this process)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    arn = queue_arn("raw")
    done: list[int] = []
    total = 0
    started, cpu = time.perf_counter(), time.process_time()
    while True:
        now = int(time.time() * 1000)
        conn.execute("BEGIN IMMEDIATE")
        if done:
            conn.execute(DELETE, (_encode(done),))
        params = {"queue": queue_id, "now": now, "limit": BATCH, "until": now + 60_000}
        rows = conn.execute(RECEIVE, params).fetchall()
        conn.execute("COMMIT")
        if not rows:
            break
        hand_off(_records(rows, arn))
        done = [row[0] for row in rows]
        total += len(rows)
    seconds = time.perf_counter() - started
    conn.close()
    return total, seconds, time.process_time() - cpu


def _child() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [PYTHON, "-m", "bench.cases.pipe_child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        bufsize=0,
    )


def _pipe_hand_off(child: subprocess.Popen[bytes]) -> Any:
    assert child.stdin is not None
    assert child.stdout is not None
    out, inp = child.stdin.fileno(), child.stdout.fileno()

    def hand_off(event: bytes) -> None:
        os.write(out, FRAME.pack(len(event)) + event)
        (length,) = FRAME.unpack(_read(inp, FRAME.size))
        _read(inp, length)

    return hand_off


def _read(fd: int, n: int) -> bytes:
    data = os.read(fd, n)
    while len(data) < n:
        data += os.read(fd, n - len(data))
    return data


def ceiling(messages: int, *, pipe: bool) -> Row:
    """Run one ceiling loop over ``messages`` pre-filled messages."""
    label = "ceiling: receive+delete+pipe hand-off" if pipe else "ceiling: receive+delete"
    with tempfile.TemporaryDirectory(prefix="bench-raw-") as tmp:
        path, queue_id = _prepare(messages, Path(tmp))
        child = _child() if pipe else None
        hand_off = _pipe_hand_off(child) if child is not None else (lambda event: None)
        total, seconds, cpu = _loop(path, queue_id, hand_off)
        child_cpu = 0.0
        if child is not None:
            assert child.stdin is not None
            child.stdin.close()
            child.wait(10)
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            child_cpu = usage.ru_utime + usage.ru_stime
        rate = total / seconds
        log(f"{label}: {rate:,.0f} msgs/s")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1000
        return Row(
            "drain",
            label,
            {
                "messages": total,
                "msgs_per_s": round(rate),
                "cpu_s": round(cpu + child_cpu, 2),
                "peak_rss_mb": round(rss, 1),
            },
            ["one thread, no asyncio; RSS is the loop process's peak"],
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    emit([ceiling(args.messages, pipe=False), ceiling(args.messages, pipe=True)])


if __name__ == "__main__":
    main()
