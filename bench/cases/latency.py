"""Case 2, latency: send -> handler start, p50 and p99.

One ``headrace run`` with a queue and a one-shard stream, both mapped to the latency
handler (BatchSize 10, no batching window). This process is the producer, writing to the
broker files as ``headrace send`` / ``headrace put`` do (a commit, then a wake-up datagram):

* idle queue: one message at a time, a pause between them, so every send finds the
  engine idle, waiting;
* steady queue: 1,000 messages/s for 30 s, paced on the clock;
* idle stream: one record at a time, as for the idle queue.

Workers are warmed up first; only the measured messages count.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import Row, emit, log, stop
from bench.project import Project, queue_arn, stream_arn
from headrace.broker.streams import STREAMS_FILE_NAME, StreamBroker
from headrace.config.load import load_config

# Pause between two sends of an idle measurement: far longer than one message takes.
IDLE_GAP_S = 0.02
# How long to wait for the handlers to have seen every measured message.
SETTLE_TIMEOUT_S = 60.0
WARM_UP = 20


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Results:
    """Reads the latency lines the handlers wrote since the last read."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.seen: dict[Path, int] = {}

    def collect(self, expected: int) -> list[float]:
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        values: list[float] = []
        while len(values) < expected and time.monotonic() < deadline:
            for path in self.folder.glob("latency-*.txt"):
                text = path.read_text()
                complete = text[: text.rfind("\n") + 1]
                start = self.seen.get(path, 0)
                values += [float(v) for v in complete[start:].split()]
                self.seen[path] = len(complete)
            if len(values) < expected:
                time.sleep(0.05)
        return values


def _row(label: str, values: list[float], expected: int) -> Row:
    notes = [] if len(values) == expected else [f"{len(values)} of {expected} seen"]
    p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
    log(f"{label}: p50 {p50:.2f} ms, p99 {p99:.2f} ms ({len(values)} samples)")
    return Row(
        "latency",
        label,
        {
            "samples": len(values),
            "p50_ms": round(p50, 2),
            "p99_ms": round(p99, 2),
            "max_ms": round(max(values), 2),
        },
        notes,
    )


def _paced(send: Callable[[], None], count: int, rate: float) -> float:
    """Send ``count`` times at ``rate`` per second on the clock; return the rate achieved."""
    started = time.perf_counter()
    for i in range(count):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        send()
    return count / (time.perf_counter() - started)


def run(idle: int, steady_seconds: float, steady_rate: float) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        root = Path(tmp)
        out = root / "out"
        out.mkdir()
        project = Project(root)
        project.queues["lat"] = {"VisibilityTimeout": 30}
        project.streams["lat"] = {"ShardCount": 1}
        project.function(
            "lat", "latency.handler", Environment={"Variables": {"BENCH_OUT": str(out)}}
        )
        project.mappings += [
            {"FunctionName": "lat", "EventSourceArn": queue_arn("lat"), "BatchSize": 10},
            {
                "FunctionName": "lat",
                "EventSourceArn": stream_arn("lat"),
                "BatchSize": 10,
                "StartingPosition": "LATEST",
            },
        ]
        queues = project.broker()
        config = load_config(project.config_path)
        streams = StreamBroker(
            config.data_dir / STREAMS_FILE_NAME,
            config.streams,
            region="us-east-1",
            account=config.account,
        )
        proc = project.run()
        results = Results(out)
        try:
            time.sleep(2.0)  # start-up: the mappings take their LATEST positions

            def send() -> None:
                queues.send_message("lat", json.dumps({"sent": time.time(), "pad": "x" * 160}))

            def put() -> None:
                data = json.dumps({"sent": time.time(), "pad": "x" * 160}).encode()
                streams.put_record("lat", data, "key")

            for _ in range(WARM_UP):
                send()
                put()
                time.sleep(IDLE_GAP_S)
            results.collect(2 * WARM_UP)
            rows = []
            _paced(send, idle, 1 / IDLE_GAP_S)
            rows.append(_row("queue, idle, one at a time", results.collect(idle), idle))
            count = int(steady_seconds * steady_rate)
            achieved = _paced(send, count, steady_rate)
            row = _row(f"queue, steady {steady_rate:,.0f} msgs/s", results.collect(count), count)
            row.notes.append(f"sent at {achieved:,.0f} msgs/s for {steady_seconds:.0f} s")
            rows.append(row)
            _paced(put, idle, 1 / IDLE_GAP_S)
            rows.append(_row("stream, idle, one record at a time", results.collect(idle), idle))
            return rows
        finally:
            stop(proc)
            queues.close()
            streams.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--idle", type=int, default=500)
    parser.add_argument("--steady-seconds", type=float, default=30.0)
    parser.add_argument("--steady-rate", type=float, default=1000.0)
    args = parser.parse_args()
    emit(run(args.idle, args.steady_seconds, args.steady_rate))


if __name__ == "__main__":
    main()
