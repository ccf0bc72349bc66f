"""`make demo`: the quickstart app on the embedded broker, with a producer and a live view.

It starts from an empty data_dir, runs `headrace run`'s machinery in this process, sends
orders and payments, puts clicks on a stream and writes users to a table from a producer
thread (as `headrace send`, `put` and `table` would from another process), shows the
mappings working, and stops by itself once everything is drained, with a summary of what was
processed, retried and dead-lettered.

It never hangs: if the producer or the app fails, it says so in one line and exits 1; if
everything is not drained within ``--deadline`` seconds (default 120), it says what is left
and exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import threading
import time
from pathlib import Path

from headrace import arn
from headrace.app import App, RunOptions
from headrace.broker.queue_broker import QueueBroker
from headrace.broker.streams import STREAMS_FILE_NAME, StreamBroker
from headrace.broker.tables import TableBroker, item_from_plain
from headrace.config.load import load_config
from headrace.config.model import Config
from headrace.logs import configure_logging
from headrace.statistics import MappingStatistics

HERE = Path(__file__).resolve().parent
ORDERS = 60  # orders to send; every 20th is poison, every 7th is flaky
PAYMENTS = 30  # payments across five customers (FIFO message groups)
CUSTOMERS = ("ana", "ben", "chen", "dara", "eli")
CLICKS = 300  # clicks on the stream; one of them is poison
POISON_CLICK = 137
REFRESH_SECONDS = 0.5  # how often the live view redraws
# The demo drains in about 10 s; past this the machine is far too slow or something is stuck.
DEADLINE_SECONDS = 120.0
# How long a failed or late demo gives the app to stop gracefully before it exits anyway.
STOP_GRACE_SECONDS = 30.0
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


class Producer(threading.Thread):
    """Runs :func:`produce` in its own thread; keeps what it sent, or the error that
    stopped it (a failure is reported by the demo, not as a thread's traceback)."""

    def __init__(self, config: Config) -> None:
        super().__init__(name="demo-producer", daemon=True)
        self.config = config
        self.sent: dict[str, int] = {}
        self.error: str | None = None

    def run(self) -> None:
        try:
            self.sent = produce(self.config)
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"


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


async def watch(
    app: App, runner: asyncio.Task[object], producer: Producer, failed: dict[str, int]
) -> None:
    """Redraw the live view until the producer is done and everything is drained.

    Returns early when the producer or the app failed (the caller checks which)."""
    tty = sys.stdout.isatty()
    drawn = 0
    while True:
        await asyncio.wait({runner}, timeout=REFRESH_SECONDS)
        if runner.done() or producer.error is not None:
            return
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


def failure(runner: asyncio.Task[object], producer: Producer) -> str | None:
    """What stopped the demo early, in one line; None if nothing did."""
    if producer.error is not None:
        return f"the producer failed: {producer.error}"
    if runner.done() and not runner.cancelled() and runner.exception() is not None:
        exc = runner.exception()
        return f"the app failed: {type(exc).__name__}: {exc}"
    return None


async def leftovers(app: App, producer: Producer) -> str:
    """What is not drained yet, by source, for the deadline's message."""
    left = ["the producer is still sending"] if producer.is_alive() else []
    engine = app.engine
    for stats in await engine.undrained() if engine is not None else []:
        busy = f" ({stats.in_flight_batches} batches in flight)" if stats.in_flight_batches else ""
        left.append(f"{source_name(stats)}{busy}")
    return ", ".join(left) or "nothing (it drained just now)"


async def stop(app: App, runner: asyncio.Task[object]) -> None:
    """Stop the app gracefully, giving it STOP_GRACE_SECONDS; then leave it to asyncio.run."""
    app.stop()
    await asyncio.wait({runner}, timeout=STOP_GRACE_SECONDS)
    if runner.done() and not runner.cancelled():
        runner.exception()  # reported already, or caused by what was: not "never retrieved"


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


async def main(deadline: float) -> int:
    """Run the demo; 0 once drained with a summary, 1 with a one-line reason otherwise."""
    config = load_config(HERE / "headrace.yaml")
    shutil.rmtree(config.data_dir, ignore_errors=True)
    configure_logging()
    app = App(config)
    producer = Producer(config)
    runner: asyncio.Task[object] = asyncio.create_task(app.run(RunOptions(port=None)))
    producer.start()
    failed: dict[str, int] = {}
    try:
        await asyncio.wait_for(watch(app, runner, producer, failed), deadline)
    except TimeoutError:
        problem: str | None = f"not drained after {deadline:g} s: {await leftovers(app, producer)}"
    else:
        problem = failure(runner, producer)
    if problem is not None:
        await stop(app, runner)
        print(f"demo: {problem}", file=sys.stderr)  # last, after the app's own logs
        return 1
    await runner
    summary(app, producer.sent, failed)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--deadline", type=float, default=DEADLINE_SECONDS, help="seconds to drain in"
    )
    sys.exit(asyncio.run(main(parser.parse_args().deadline)))
