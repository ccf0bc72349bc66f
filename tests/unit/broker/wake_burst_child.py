"""Another process that writes bursts to many queues, then one table item (a script).

python wake_burst_child.py DATA_DIR ROUNDS BURST
    opens the queues of :data:`QUEUES` and the table ``users``, prints "ready"; then for each
    round reads a line from stdin, sends BURST messages spread over the queues (each send
    its own commit and wake-up), puts one item, and prints "put N" once the put returned.
"""

from __future__ import annotations

import sys
from pathlib import Path

from datadir_opener import ACCOUNT, REGION, USERS

from headrace.broker.queue_broker import QueueBroker
from headrace.broker.tables import TableBroker, item_from_plain
from headrace.config.model import QueueConfig

ARGUMENT_COUNT = 4
# Many keys: each queue's ARN is its own wake-up key.
QUEUES = {f"q{n}": QueueConfig(name=f"q{n}") for n in range(20)}


def main() -> None:
    if len(sys.argv) != ARGUMENT_COUNT:
        raise SystemExit(__doc__)
    data_dir, rounds, burst = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    queues = QueueBroker(data_dir / "broker.sqlite3", QUEUES, region=REGION, account=ACCOUNT)
    tables = TableBroker(
        data_dir / "streams.sqlite3", {"users": USERS}, region=REGION, account=ACCOUNT
    )
    names = list(QUEUES)
    print("ready", flush=True)
    for round_ in range(rounds):
        sys.stdin.readline()
        for n in range(burst):
            queues.send_message(names[n % len(names)], f"{round_}-{n}")
        tables.put_item("users", item_from_plain({"id": f"u{round_}"}))
        print(f"put {round_}", flush=True)
    queues.close()
    tables.close()


if __name__ == "__main__":
    main()
