"""Opening every SQLite file of new data_dirs from many threads of many processes at once.

:func:`open_rounds` runs in each process (started by ``multiprocessing``); its threads open
the five kinds of file (queue broker, stream broker, table broker, status store, checkpoint
store), all released together by one cross-process barrier for each fresh data_dir.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

from headrace.broker.queue_broker import QueueBroker
from headrace.broker.streams import StreamBroker
from headrace.broker.tables import TableBroker, item_from_plain
from headrace.config.model import QueueConfig
from headrace.config.resources import StreamConfig, TableConfig
from headrace.state.checkpoints import SqliteCheckpointStore
from headrace.state.sqlite import SqliteStatusStore
from headrace.state.state_seam import EngineRecord

REGION = "us-east-1"
ACCOUNT = "000000000000"
# A table with a change stream, in AWS's words (as headrace.yaml has it).
USERS = TableConfig.from_aws(
    "users",
    {
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
    },
)


def queues(data_dir: Path, tag: str) -> None:
    broker = QueueBroker(
        data_dir / "broker.sqlite3", {"q": QueueConfig(name="q")}, region=REGION, account=ACCOUNT
    )
    broker.send_message("q", tag)
    broker.close()


def streams(data_dir: Path, tag: str) -> None:
    config = {"s": StreamConfig(name="s", shard_count=1)}
    broker = StreamBroker(data_dir / "streams.sqlite3", config, region=REGION, account=ACCOUNT)
    broker.put_record("s", tag.encode(), tag)
    broker.close()


def tables(data_dir: Path, tag: str) -> None:
    broker = TableBroker(
        data_dir / "streams.sqlite3", {"users": USERS}, region=REGION, account=ACCOUNT
    )
    broker.put_item("users", item_from_plain({"id": tag}))
    broker.close()


def status(data_dir: Path, tag: str) -> None:
    store = SqliteStatusStore(data_dir / "state.sqlite3")
    store.publish(EngineRecord(1, 0.0, 0.0, None), [])
    store.close()


def checkpoints(data_dir: Path, tag: str) -> None:
    store = SqliteCheckpointStore(data_dir / "state.sqlite3")
    store.save(tag, {"shard": "1"})
    store.close()


OPENERS: tuple[Callable[[Path, str], None], ...] = (queues, streams, tables, status, checkpoints)


def open_rounds(
    data_dirs: list[Path], worker: int, start: Barrier, threads: int, out: Queue[list[str]]
) -> None:
    """In each of ``data_dirs`` in turn: wait with every other thread of every process at
    ``start``, then open thread n's file kind there and write once. Puts every open's result
    ("ok" or the error) on ``out``, as one list."""
    results: list[str] = []

    def work(n: int) -> None:
        opener = OPENERS[(worker * threads + n) % len(OPENERS)]
        for data_dir in data_dirs:
            start.wait()
            try:
                opener(data_dir, f"{worker}-{n}")
                results.append("ok")
            except Exception as exc:
                results.append(f"{opener.__name__}: {type(exc).__name__}: {exc}")

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    out.put(results)
