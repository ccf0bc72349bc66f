"""Case 3, stream: 4 shards, ParallelizationFactor 10, BatchSize 100, 100,000 records.

The records (~200-byte JSON) go over 1,000 partition keys with PutRecords before the
engine starts; ``headrace run --until-drained`` then reads from TRIM_HORIZON. The order
handler notes every record with the time its invocation started; records/s is the
distinct records over the span from the first invocation's start to the last one's end,
and per key the sequence numbers must increase in the order the handlers ran.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench import order
from bench.common import Row, emit, log, mb, measured, payload, wait_cpu
from bench.project import Project, stream_arn
from headrace.broker.streams import STREAMS_FILE_NAME, PutRecordsEntry, StreamBroker
from headrace.config.load import load_config

KEYS = 1000
# PutRecords' cap per call.
PUT_BATCH = 500
RUN_TIMEOUT_S = 300.0


def stream(records: int) -> Row:
    with tempfile.TemporaryDirectory(prefix="bench-stream-") as tmp:
        root = Path(tmp)
        out = root / "out"
        out.mkdir()
        project = Project(root)
        project.streams["clicks"] = {"ShardCount": 4}
        project.function(
            "order", "order.handler", Environment={"Variables": {"BENCH_OUT": str(out)}}
        )
        project.mappings.append(
            {
                "FunctionName": "order",
                "EventSourceArn": stream_arn("clicks"),
                "BatchSize": 100,
                "ParallelizationFactor": 10,
                "StartingPosition": "TRIM_HORIZON",
            }
        )
        config = load_config(project.write())
        broker = StreamBroker(
            config.data_dir / STREAMS_FILE_NAME,
            config.streams,
            region="us-east-1",
            account=config.account,
        )
        began = time.monotonic()
        for first in range(0, records, PUT_BATCH):
            entries = [
                PutRecordsEntry(data=payload(i).encode(), partition_key=f"user-{i % KEYS:04d}")
                for i in range(first, min(records, first + PUT_BATCH))
            ]
            broker.put_records("clicks", entries)
        broker.close()
        log(f"stream: put {records} records in {time.monotonic() - began:.1f} s")
        started = time.monotonic()
        proc = project.run("--until-drained", "--timeout", str(RUN_TIMEOUT_S))
        with measured(proc) as sampler:
            cpu = wait_cpu(proc, RUN_TIMEOUT_S + 30)
        wall = time.monotonic() - started
        report = order.read(out)
    log(
        f"stream: {report.rate:,.0f} records/s, {report.distinct} distinct of {records}, "
        f"{len(report.out_of_order)} keys out of order, cpu {cpu:.1f} s"
    )
    notes = []
    if report.distinct != records:
        notes.append(f"only {report.distinct} of {records} records seen")
    return Row(
        "stream",
        "headrace (4 shards, PF 10, batch 100)",
        {
            "records": records,
            "records_per_s": round(report.rate),
            "wall_records_per_s": round(records / wall),
            "keys": report.keys,
            "keys_out_of_order": len(report.out_of_order),
            "order_ok": not report.out_of_order and report.distinct == records,
            "cpu_s": round(cpu, 2),
            "peak_rss_mb": mb(sampler.peak_rss),
            "exit": proc.returncode,
        },
        notes,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    emit([stream(args.records)])


if __name__ == "__main__":
    main()
