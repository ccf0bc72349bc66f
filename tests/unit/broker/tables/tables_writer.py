"""A separate writer process for the cross-process tests (run as a script, not collected).

``python tables_writer.py FILE TAG COUNT`` writes COUNT times (0: until killed) to the
two-shard table ``users`` in FILE: puts, ADD updates and deletes of the items ``TAG-0`` ..
``TAG-4``, and prints each change record's sequence number once its write has committed.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

from tables_helpers import ACCOUNT, REGION, table_config

from headrace.broker.tables import TableBroker

# Every DELETE_EVERY-th write deletes its item, so REMOVE records are among the rest.
DELETE_EVERY = 7


def main(path: str, tag: str, count: int) -> None:
    tables = TableBroker(
        Path(path),
        {"users": table_config(shard_count=2)},
        region=REGION,
        account=ACCOUNT,
        notify=lambda _: None,
    )
    numbers = itertools.count() if count == 0 else range(count)
    for i in numbers:
        key = {"id": {"S": f"{tag}-{i % 5}"}}
        if i % DELETE_EVERY == DELETE_EVERY - 1:
            result = tables.delete_item("users", key)
        elif i % 2:
            result = tables.update_item(
                "users", key, add={"n": {"N": "1"}}, set={"i": {"N": str(i)}}
            )
        else:
            result = tables.put_item("users", {**key, "i": {"N": str(i)}})
        if result.sequence_number is not None:
            print(result.sequence_number, flush=True)
    tables.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
