"""Case 1, MiniStack: its SQS event source mapping drains a queue into a Lambda-style handler.

MiniStack (a Python AWS emulator, from PyPI) runs on a loopback port with its default
local executor (handlers in warm subprocesses). The queue is filled through its SQS API
first; then the mapping is created (BatchSize 10) and the queue's depth is read until
empty. CPU and RSS are the MiniStack process tree's over the drain.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from bench.common import (
    HANDLERS,
    PYTHON,
    Row,
    emit,
    log,
    mb,
    measured,
    payload,
    start,
    stop,
    tree_usage,
    watch_drain,
)

# A loopback port for MiniStack (headrace's default 4566 may be in use by a test run).
PORT = 4599
ENDPOINT = f"http://127.0.0.1:{PORT}"
# How long MiniStack may take to answer its first request.
START_TIMEOUT_S = 60.0
DRAIN_TIMEOUT_S = 300.0


def _clients() -> tuple[Any, Any]:
    import boto3

    session = boto3.session.Session(
        aws_access_key_id="000000000000", aws_secret_access_key="test", region_name="us-east-1"
    )
    return (
        session.client("sqs", endpoint_url=ENDPOINT),
        session.client("lambda", endpoint_url=ENDPOINT),
    )


def _wait_up(sqs: Any) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            sqs.list_queues()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _zip(handler: str = "noop.py") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(HANDLERS / handler, handler)
    return buffer.getvalue()


def ministack(messages: int, records: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-ministack-") as tmp:
        env = {
            "GATEWAY_PORT": str(PORT),
            "BIND_HOST": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "TMPDIR": tmp,
            "S3_DATA_DIR": str(Path(tmp) / "s3"),
        }
        proc = start([PYTHON, "-m", "ministack"], cwd=Path(tmp), env=env)
        try:
            rows = [_drain(proc, messages)]
            if records:
                out = Path(tmp) / "out"
                out.mkdir()
                rows.append(_stream(proc, records, out))
            return rows
        finally:
            stop(proc)


def _drain(proc: Any, messages: int) -> Row:
    sqs, lam = _clients()
    _wait_up(sqs)
    url = sqs.create_queue(QueueName="drain", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    lam.create_function(
        FunctionName="noop",
        Runtime="python3.11",
        Handler="noop.handler",
        Role="arn:aws:iam::000000000000:role/bench",
        Code={"ZipFile": _zip()},
        Timeout=30,
    )
    began = time.monotonic()
    for first in range(0, messages, 10):
        entries = [
            {"Id": str(i), "MessageBody": payload(first + i)}
            for i in range(min(10, messages - first))
        ]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    log(f"MiniStack: filled {messages} messages in {time.monotonic() - began:.1f} s")

    def remaining() -> int:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        return sum(int(attrs[name]) for name in names)

    with measured(proc) as sampler:
        cpu_before = tree_usage(proc.pid)[1]
        started = time.monotonic()
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="noop", BatchSize=10)
        result = watch_drain(remaining, messages, started, DRAIN_TIMEOUT_S)
        cpu = tree_usage(proc.pid)[1] - cpu_before
    log(f"MiniStack: {result.rate:,.0f} msgs/s, cpu {cpu:.1f} s")
    return Row(
        "drain",
        "MiniStack (SQS ESM)",
        {
            "messages": messages,
            "msgs_per_s": round(result.rate),
            "wall_msgs_per_s": round(result.wall_rate),
            "cpu_s": round(cpu, 2),
            "peak_rss_mb": mb(sampler.peak_rss),
        },
        ["CPU over the drain only (the server also did the fill)"],
    )


def _stream(proc: Any, records: int, out: Path) -> Row:
    """MiniStack's Kinesis mapping: 4 shards, BatchSize 100, records counted by a handler."""
    import boto3

    session = boto3.session.Session(
        aws_access_key_id="000000000000", aws_secret_access_key="test", region_name="us-east-1"
    )
    kinesis = session.client("kinesis", endpoint_url=ENDPOINT)
    _, lam = _clients()
    kinesis.create_stream(StreamName="clicks", ShardCount=4)
    arn = kinesis.describe_stream_summary(StreamName="clicks")["StreamDescriptionSummary"][
        "StreamARN"
    ]
    lam.create_function(
        FunctionName="count",
        Runtime="python3.11",
        Handler="count.handler",
        Role="arn:aws:iam::000000000000:role/bench",
        Code={"ZipFile": _zip("count.py")},
        Timeout=30,
        Environment={"Variables": {"BENCH_OUT": str(out)}},
    )
    for first in range(0, records, 500):
        entries = [
            {"Data": payload(i).encode(), "PartitionKey": f"user-{i % 1000:04d}"}
            for i in range(first, min(records, first + 500))
        ]
        kinesis.put_records(StreamName="clicks", Records=entries)

    def remaining() -> int:
        return records - sum(len(p.read_bytes()) // 2 for p in out.glob("count-*.txt"))

    with measured(proc):
        started = time.monotonic()
        lam.create_event_source_mapping(
            EventSourceArn=arn, FunctionName="count", BatchSize=100, StartingPosition="TRIM_HORIZON"
        )
        result = watch_drain(remaining, records, started, DRAIN_TIMEOUT_S)
    log(f"MiniStack Kinesis: {result.rate:,.0f} records/s")
    return Row(
        "stream",
        "MiniStack (Kinesis ESM, 4 shards, batch 100)",
        {"records": records, "records_per_s": round(result.rate)},
        ["order per key not checked"],
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=0)
    args = parser.parse_args()
    try:
        rows = ministack(args.messages, args.records)
    except Exception as exc:
        log(f"MiniStack: failed: {exc!r}")
        rows = [Row("drain", "MiniStack (SQS ESM)", {}, [f"failed: {exc!r}"])]
    emit(rows)


if __name__ == "__main__":
    main()
