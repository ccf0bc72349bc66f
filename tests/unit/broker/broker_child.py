"""A second process for the broker's cross-process tests (run as a script).

python broker_child.py DATA_DIR send-one-by-one COUNT PREFIX
    sends COUNT messages to "plain", one transaction each, printing each MessageId
    after its commit (the parent kills it mid-way);
python broker_child.py DATA_DIR send-batches COUNT PREFIX
    sends COUNT messages to "plain" in batches of 10, printing "done" at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path

from headrace.broker import QueueBroker, SendEntry
from headrace.config.model import QueueConfig

ARGUMENT_COUNT = 5


def main() -> None:
    if len(sys.argv) != ARGUMENT_COUNT:
        raise SystemExit(__doc__)
    data_dir, mode, count, prefix = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
    broker = QueueBroker(
        data_dir / "broker.sqlite3",
        {"plain": QueueConfig(name="plain")},
        region="us-east-1",
        account="123456789012",
    )
    if mode == "send-one-by-one":
        for i in range(count):
            print(broker.send_message("plain", f"{prefix}{i}").message_id, flush=True)
    else:
        for start in range(0, count, 10):
            entries = [
                SendEntry(id=f"e{i}", body=f"{prefix}{i}")
                for i in range(start, min(start + 10, count))
            ]
            result = broker.send_message_batch("plain", entries)
            assert not result.failed
        print("done", flush=True)
    broker.close()


if __name__ == "__main__":
    main()
