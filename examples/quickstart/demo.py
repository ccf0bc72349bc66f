"""`make demo`: the quickstart app on the embedded broker, with a producer and a live view.

It starts from an empty data_dir, runs `headrace run`'s machinery in this process, sends
orders and payments, puts clicks on a stream and writes users to a table from a producer
thread (as `headrace send`, `put` and `table` would from another process), shows the
mappings working, and stops by itself once everything is drained, with a summary of what was
processed, retried and dead-lettered.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import threading
import time
from pathlib import Path

from headrace import arn
from headrace.app import App, RunOptions
from headrace.broker.queues import QueueBroker
from headrace.broker.streams import STREAMS_FILE_NAME, StreamBroker
from headrace.broker.tables import TableBroker, item_from_plain
from headrace.config.load import load_config
from headrace.config.model import Config
from headrace.esm.statistics import MappingStatistics
from headrace.logs import configure_logging

HERE = Path(__file__).resolve().parent
ORDERS = 60  # orders to send; every 20th is poison, every 7th is flaky
PAYMENTS = 30  # payments across five customers (FIFO message groups)
CUSTOMERS = ("ana", "ben", "chen", "dara", "eli")
CLICKS = 300  # clicks on the stream; one of them is poison
POISON_CLICK = 137
REFRESH_SECONDS = 0.5  # how often the live view redraws
# Where each source's failures end up: a queue's DLQ or a stream's on-failure queue.
FAILURE_QUEUES = {
    "orders": "orders-dlq",
    "payments.fifo": "payments-dlq.fifo",
    "clicks": "clicks-failures",
}


def produce(config: Config) -> dict[str, int]:
    """Send the demo's messages, records and item writes in small bursts."""
    queues = QueueBroker(
        config.data_dir / "broker.sqlite3",
        config.queues,
        region=config.region,
        account=config.account,
    )
    streams_file = config.data_dir / STREAMS_FILE_NAME
    streams = StreamBroker(
        streams_file, config.streams, region=config.region, account=config.account
    )
    tables = TableBroker(streams_file, config.tables, region=config.region, account=config.account)
    try:
        for i in range(1, ORDERS + 1):
            order = {"id": i, "amount": -5 if i % 20 == 0 else 10 * i, "flaky": i % 7 == 0}
            queues.send_message("orders", json.dumps(order))
            if i <= PAYMENTS:
                customer = CUSTOMERS[i % len(CUSTOMERS)]
                payment = {"id": i, "customer": customer, "fail_once": i in (7, 18)}
                queues.send_message("payments.fifo", json.dumps(payment), message_group_id=customer)
            for n in range((i - 1) * CLICKS // ORDERS, i * CLICKS // ORDERS):
                click = {"id": n, "page": f"/p/{n % 9}", "poison": n == POISON_CLICK}
                streams.put_record("clicks", json.dumps(click).encode(), f"user-{n % 13}")
            if i % 10 == 0:
                write_users(tables, i // 10)
                time.sleep(0.3)
    finally:
        queues.close()
        streams.close()
        tables.close()
    return {"orders": ORDERS, "payments.fifo": PAYMENTS, "clicks": CLICKS, "users": 0}


def write_users(tables: TableBroker, step: int) -> None:
    """Insert a user, rename an earlier one, and remove another: INSERT, MODIFY, REMOVE."""
    name = CUSTOMERS[step % len(CUSTOMERS)]
    tables.put_item("users", item_from_plain({"id": f"u{step}", "name": name}))
    if step > 1:
        key = item_from_plain({"id": f"u{step - 1}"})
        tables.update_item("users", key, set=item_from_plain({"name": name.upper()}))
    if step == 4:
        tables.delete_item("users", item_from_plain({"id": "u1"}))


def source_name(stats: MappingStatistics) -> str:
    """`orders` for a queue ARN, `clicks` for a stream ARN, `users` for a table ARN."""
    parsed = arn.parse(stats.event_source_arn)
    assert parsed is not None
    return parsed.resource_name


async def failures_of(app: App, stats: MappingStatistics) -> int:
    """How many messages sit in the source's DLQ or on-failure queue."""
    queue = FAILURE_QUEUES.get(source_name(stats))
    if queue is None:
        return 0
    depth = await app.broker.call(app.broker.queues.queue_depth, queue)
    return depth.total


async def view(app: App, failed: dict[str, int]) -> list[str]:
    """The live status lines, one per mapping; ``failed`` gets each failure queue's depth."""
    assert app.engine is not None
    lines = ["mapping          source         state    in-flight  invocations  events  failed"]
    for stats in app.engine.statistics():
        name = source_name(stats)
        failed[name] = await failures_of(app, stats)
        lines.append(
            f"{stats.function_name:<16} {name:<14} {stats.state:<8} "
            f"{stats.in_flight_batches:>9}  {stats.invocations:>11}  {stats.invoked:>6}  "
            f"{failed[name]:>6}"
        )
    return lines


async def watch(app: App, producer: threading.Thread, failed: dict[str, int]) -> None:
    """Redraw the live view until the producer is done and everything is drained."""
    tty = sys.stdout.isatty()
    drawn = 0
    while True:
        await asyncio.sleep(REFRESH_SECONDS)
        if app.engine is None:
            continue
        lines = await view(app, failed)
        if tty and drawn:
            sys.stdout.write(f"\x1b[{drawn}F")
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
        drawn = len(lines)
        if not producer.is_alive() and await app.engine.drained():
            app.stop()
            return


def summary(app: App, sent: dict[str, int], failed: dict[str, int]) -> None:
    assert app.engine is not None
    print("\nDone. Everything is drained:")
    for stats in app.engine.statistics():
        name = source_name(stats)
        if name in ("orders", "payments.fifo"):
            print(
                f"  {name}: {sent[name]} sent, {stats.deleted} processed, "
                f"{stats.polled - sent[name]} retried deliveries, "
                f"{failed[name]} dead-lettered into {FAILURE_QUEUES[name]}"
            )
        elif name == "clicks":
            print(
                f"  {name}: {sent[name]} put, {stats.invocations} invocations "
                f"({stats.errors} failed, bisected down to the poison record), "
                f"{stats.on_failure_delivered} record sent to {FAILURE_QUEUES[name]}"
            )
        else:
            print(f"  {name} table: {stats.invoked} changes seen by {stats.function_name}")
    print(
        "Look closer: .venv/bin/headrace dlq clicks-failures -c examples/quickstart/headrace.yaml"
    )


async def main() -> None:
    config = load_config(HERE / "headrace.yaml")
    shutil.rmtree(config.data_dir, ignore_errors=True)
    configure_logging()
    app = App(config)
    sent: dict[str, int] = {}
    producer = threading.Thread(target=lambda: sent.update(produce(config)))
    runner = asyncio.create_task(app.run(RunOptions(port=None)))
    producer.start()
    failed: dict[str, int] = {}
    await watch(app, producer, failed)
    await runner
    summary(app, sent, failed)


if __name__ == "__main__":
    asyncio.run(main())
