"""Case 4, idle cost: ``headrace run`` with 100 queues and 1,000 shards, nothing to do.

100 embedded queues, each with a mapping, and 10 streams of 100 shards, each with a mapping
(LATEST), all to one no-op function. After start-up settles, the process tree's CPU and RSS
are read for 30 s. An engine that polled on a timer would show it here; headrace's lanes
and shard pollers wait for wake-ups, and no worker process is started while idle.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.common import Row, emit, log, mb, stop, tree_usage
from bench.project import Project, queue_arn, stream_arn

QUEUES = 100
STREAMS = 10
SHARDS_PER_STREAM = 100
# Start-up is over when a second of wall time costs less than this much CPU.
SETTLED_CPU_S = 0.05
START_TIMEOUT_S = 120.0


def _project(root: Path) -> Project:
    project = Project(root)
    project.function("noop", "noop.handler")
    for q in range(QUEUES):
        name = f"queue-{q:03d}"
        project.queues[name] = {}
        project.mappings.append({"FunctionName": "noop", "EventSourceArn": queue_arn(name)})
    for s in range(STREAMS):
        name = f"stream-{s:02d}"
        project.streams[name] = {"ShardCount": SHARDS_PER_STREAM}
        project.mappings.append(
            {
                "FunctionName": "noop",
                "EventSourceArn": stream_arn(name),
                "StartingPosition": "LATEST",
            }
        )
    project.write()
    return project


def _settle(pid: int) -> float:
    """Wait until start-up is over; return how long it took."""
    started = time.monotonic()
    last = tree_usage(pid)[1]
    while time.monotonic() - started < START_TIMEOUT_S:
        time.sleep(1.0)
        now = tree_usage(pid)[1]
        if now - last < SETTLED_CPU_S:
            break
        last = now
    return time.monotonic() - started


def idle(seconds: float) -> Row:
    with tempfile.TemporaryDirectory(prefix="bench-idle-") as tmp:
        project = _project(Path(tmp))
        proc = project.run()
        try:
            startup = _settle(proc.pid)
            rss_samples, cpu_start = [], tree_usage(proc.pid)[1]
            began = time.monotonic()
            while time.monotonic() - began < seconds:
                time.sleep(0.5)
                rss_samples.append(tree_usage(proc.pid)[0])
            cpu = tree_usage(proc.pid)[1] - cpu_start
            elapsed = time.monotonic() - began
            alive = proc.poll() is None
        finally:
            stop(proc)
    percent = 100 * cpu / elapsed
    log(f"idle: {percent:.2f} % of a core, RSS {mb(max(rss_samples))} MB, start-up {startup:.0f} s")
    return Row(
        "idle",
        f"headrace, {QUEUES} queues + {STREAMS * SHARDS_PER_STREAM} shards",
        {
            "seconds": round(elapsed),
            "cpu_percent_of_core": round(percent, 2),
            "rss_mb": mb(max(rss_samples)),
            "startup_s": round(startup, 1),
            "running": alive,
        },
        ["no worker process runs while idle"],
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    emit([idle(args.seconds)])


if __name__ == "__main__":
    main()
