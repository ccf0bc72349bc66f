"""Case 4 (FIFO) and case 5 (failures), both on embedded queues through ``headrace run``.

* FIFO: 10,000 messages over 100 message groups of a FIFO queue, BatchSize 10. The order
  handler notes each record's group and SQS sequence number with the time its invocation
  started; per group the sequence numbers must increase in the order the handlers ran.
* Failures: 100,000 messages, 1 % of them poison (the handler reports them failed with a
  partial batch response), VisibilityTimeout 1 s, a dead-letter queue with
  maxReceiveCount 3. Throughput counts the good messages, from the first one done until
  the last one is; the run then goes on until every poison message is in the DLQ, which
  must hold exactly the poison messages.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench import order
from bench.common import Row, emit, log, mb, measured, payload, wait_cpu, watch_drain
from bench.project import Project, fill, queue_arn

GROUPS = 100
# One message in this many is poison.
POISON_EVERY = 100
RUN_TIMEOUT_S = 300.0


def fifo(messages: int) -> Row:
    with tempfile.TemporaryDirectory(prefix="bench-fifo-") as tmp:
        root = Path(tmp)
        out = root / "out"
        out.mkdir()
        project = Project(root)
        project.queues["orders.fifo"] = {"FifoQueue": True, "ContentBasedDeduplication": True}
        project.function(
            "order", "order.handler", Environment={"Variables": {"BENCH_OUT": str(out)}}
        )
        project.mappings.append(
            {"FunctionName": "order", "EventSourceArn": queue_arn("orders.fifo"), "BatchSize": 10}
        )
        broker = project.broker()
        bodies = (payload(i) for i in range(messages))
        fill(broker, "orders.fifo", bodies, group=lambda i: f"group-{i % GROUPS:03d}")
        broker.close()
        proc = project.run("--until-drained", "--timeout", str(RUN_TIMEOUT_S))
        with measured(proc) as sampler:
            cpu = wait_cpu(proc, RUN_TIMEOUT_S + 30)
        report = order.read(out)
    log(
        f"FIFO: {report.rate:,.0f} msgs/s, {report.distinct} of {messages}, "
        f"{len(report.out_of_order)} groups out of order"
    )
    return Row(
        "fifo",
        f"headrace FIFO ({GROUPS} groups)",
        {
            "messages": messages,
            "msgs_per_s": round(report.rate),
            "groups_out_of_order": len(report.out_of_order),
            "order_ok": not report.out_of_order and report.distinct == messages,
            "cpu_s": round(cpu, 2),
            "peak_rss_mb": mb(sampler.peak_rss),
            "exit": proc.returncode,
        },
    )


def _body(i: int) -> str:
    if i % POISON_EVERY:
        return payload(i)
    return json.dumps({**json.loads(payload(i)), "poison": True}, separators=(",", ":"))


def failures(messages: int) -> Row:
    with tempfile.TemporaryDirectory(prefix="bench-failures-") as tmp:
        project = Project(Path(tmp))
        project.queues["work"] = {
            "VisibilityTimeout": 1,
            "RedrivePolicy": {"deadLetterTargetArn": queue_arn("work-dlq"), "maxReceiveCount": 3},
        }
        project.queues["work-dlq"] = {}
        project.function("poison", "poison.handler", Timeout=1)
        project.mappings.append(
            {
                "FunctionName": "poison",
                "EventSourceArn": queue_arn("work"),
                "BatchSize": 10,
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
            }
        )
        broker = project.broker()
        fill(broker, "work", (_body(i) for i in range(messages)))
        poison = {json.loads(_body(i))["order_id"] for i in range(0, messages, POISON_EVERY)}
        left, in_dlq = project.remaining("work"), project.remaining("work-dlq")

        def good_left() -> int:
            # Poison messages never leave except to the DLQ: what is left beyond them is good.
            return left() - (len(poison) - in_dlq())

        started = time.monotonic()
        proc = project.run("--until-drained", "--timeout", str(RUN_TIMEOUT_S))
        good = messages - len(poison)
        with measured(proc) as sampler:
            result = watch_drain(good_left, good, started, RUN_TIMEOUT_S)
            cpu = wait_cpu(proc, RUN_TIMEOUT_S + 30)
        total = time.monotonic() - started
        dead = [json.loads(m.body)["order_id"] for m in broker.peek_messages("work-dlq", 10**6)]
        broker.close()
    exact = sorted(dead) == sorted(poison)
    log(
        f"failures: {result.rate:,.0f} good msgs/s; DLQ holds {len(dead)} "
        f"(exact: {exact}); all settled after {total:.1f} s"
    )
    return Row(
        "failures",
        "headrace (1 % poison, DLQ after 3 receives, visibility 1 s)",
        {
            "messages": messages,
            "poison": len(poison),
            "msgs_per_s": round(result.rate),
            "all_settled_s": round(total, 1),
            "dlq_count": len(dead),
            "dlq_exact": exact,
            "cpu_s": round(cpu, 2),
            "peak_rss_mb": mb(sampler.peak_rss),
            "exit": proc.returncode,
        },
        ["msgs/s counts good messages until the last is done; poison ones need 3 x 1 s"],
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fifo-messages", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    emit([fifo(args.fifo_messages), failures(args.messages)])


if __name__ == "__main__":
    main()
