"""`make demo`: the quickstart app on the embedded broker, with a producer and a live view.

It starts from an empty data_dir, runs `headrace run`'s machinery in this process, sends
orders and payments from a producer thread (as `headrace send` would from another process),
shows the mappings working, and stops by itself once everything is drained, with a summary
of what was processed, retried and dead-lettered.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import threading
import time
from pathlib import Path

from headrace.app import App, RunOptions
from headrace.broker.queues import QueueBroker
from headrace.config.load import load_config
from headrace.logs import configure_logging
from headrace.sources.base import QueueDepth

HERE = Path(__file__).resolve().parent
ORDERS = 60  # orders to send; every 20th is poison, every 7th is flaky
PAYMENTS = 30  # payments across five customers (FIFO message groups)
CUSTOMERS = ("ana", "ben", "chen", "dara", "eli")
REFRESH_SECONDS = 0.5  # how often the live view redraws


def produce(config_path: Path) -> dict[str, int]:
    """Send the demo's messages in small bursts, like a real producer."""
    config = load_config(config_path)
    broker = QueueBroker(
        config.data_dir / "broker.sqlite3",
        config.queues,
        region=config.region,
        account=config.account,
    )
    try:
        for i in range(1, ORDERS + 1):
            order = {"id": i, "amount": -5 if i % 20 == 0 else 10 * i, "flaky": i % 7 == 0}
            broker.send_message("orders", json.dumps(order))
            if i <= PAYMENTS:
                customer = CUSTOMERS[i % len(CUSTOMERS)]
                payment = {"id": i, "customer": customer, "fail_once": i in (7, 18)}
                broker.send_message("payments.fifo", json.dumps(payment), message_group_id=customer)
            if i % 10 == 0:
                time.sleep(0.3)
    finally:
        broker.close()
    return {"orders": ORDERS, "payments.fifo": PAYMENTS}


DEAD_LETTER_QUEUES = {"orders": "orders-dlq", "payments.fifo": "payments-dlq.fifo"}


async def depth(app: App, queue: str) -> QueueDepth:
    return await app.broker.call(app.broker.queues.queue_depth, queue)


async def view(app: App, dead: dict[str, int]) -> list[str]:
    """The live status lines, one per mapping; ``dead`` gets each DLQ's depth."""
    assert app.engine is not None
    lines = ["mapping            state    in-flight  invocations  deleted  queue v/f/d  dlq"]
    for stats in app.engine.statistics():
        queue = stats.event_source_arn.rsplit(":", 1)[-1]
        source = await depth(app, queue)
        dlq = dead[queue] = (await depth(app, DEAD_LETTER_QUEUES[queue])).total
        lines.append(
            f"{stats.function_name:<18} {stats.state:<8} {stats.in_flight_batches:>9}  "
            f"{stats.invocations:>11}  {stats.deleted:>7}  "
            f"{source.visible:>3}/{source.in_flight}/{source.delayed:<5}  {dlq}"
        )
    return lines


async def watch(app: App, producer: threading.Thread, dead: dict[str, int]) -> None:
    """Redraw the live view until the producer is done and everything is drained."""
    tty = sys.stdout.isatty()
    drawn = 0
    while True:
        await asyncio.sleep(REFRESH_SECONDS)
        if app.engine is None:
            continue
        lines = await view(app, dead)
        if tty and drawn:
            sys.stdout.write(f"\x1b[{drawn}F")
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
        drawn = len(lines)
        if not producer.is_alive() and await app.engine.drained():
            app.stop()
            return


def summary(app: App, sent: dict[str, int], dead: dict[str, int]) -> None:
    assert app.engine is not None
    print("\nDone. Everything is drained:")
    for stats in app.engine.statistics():
        queue = stats.event_source_arn.rsplit(":", 1)[-1]
        retried = stats.polled - sent[queue]
        print(
            f"  {queue}: {sent[queue]} sent, {stats.deleted} processed, "
            f"{retried} retried deliveries, {dead[queue]} dead-lettered into "
            f"{DEAD_LETTER_QUEUES[queue]}"
        )
    print("Try: .venv/bin/headrace -h, or edit examples/quickstart/headrace.yaml.")


async def main() -> None:
    config_path = HERE / "headrace.yaml"
    config = load_config(config_path)
    shutil.rmtree(config.data_dir, ignore_errors=True)
    configure_logging()
    app = App(config)
    sent: dict[str, int] = {}
    producer = threading.Thread(target=lambda: sent.update(produce(config_path)))
    producer.start()
    runner = asyncio.create_task(app.run(RunOptions(port=None)))
    dead: dict[str, int] = {}
    await watch(app, producer, dead)
    await runner
    summary(app, sent, dead)


if __name__ == "__main__":
    asyncio.run(main())
