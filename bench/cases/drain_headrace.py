"""Case 1, headrace: drain pre-filled messages through the embedded queue and process workers.

A no-op handler, BatchSize 10, the function's default concurrency; ``headrace run
--until-drained`` as its own process. Messages/s over the drain, CPU seconds of the whole
process tree (engine + workers, start to exit) and its peak summed RSS.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.common import Row, emit, log, mb, measured, payload, wait_cpu, watch_drain
from bench.project import Project, fill, queue_arn

# A drain that has not finished by then is reported as failed, not waited for.
DRAIN_TIMEOUT_S = 300.0


def drain(
    messages: int, *, label: str = "headrace", extra_env: dict[str, str] | None = None
) -> Row:
    """Fill a queue with ``messages``, run headrace until drained, measure."""
    with tempfile.TemporaryDirectory(prefix="bench-drain-") as tmp:
        project = Project(Path(tmp))
        project.queues["drain"] = {"VisibilityTimeout": 60}
        project.function("noop", "noop.handler")
        project.mappings.append(
            {"FunctionName": "noop", "EventSourceArn": queue_arn("drain"), "BatchSize": 10}
        )
        broker = project.broker()
        began = time.monotonic()
        fill(broker, "drain", (payload(i) for i in range(messages)))
        broker.close()
        log(f"{label}: filled {messages} messages in {time.monotonic() - began:.1f} s")
        remaining = project.remaining("drain")
        started = time.monotonic()
        proc = project.run("--until-drained", env=extra_env)
        with measured(proc) as sampler:
            result = watch_drain(remaining, messages, started, DRAIN_TIMEOUT_S)
            cpu = wait_cpu(proc, 60)
        log(f"{label}: {result.rate:,.0f} msgs/s, cpu {cpu:.1f} s, rss {mb(sampler.peak_rss)} MB")
        return Row(
            "drain",
            label,
            {
                "messages": messages,
                "msgs_per_s": round(result.rate),
                "wall_msgs_per_s": round(result.wall_rate),
                "cpu_s": round(cpu, 2),
                "peak_rss_mb": mb(sampler.peak_rss),
                "exit": proc.returncode,
            },
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    emit([drain(args.messages)])


if __name__ == "__main__":
    main()
