"""A separate writer process for the cross-process tests (run as a script, not collected).

``python streams_writer.py FILE TAG COUNT`` puts COUNT records (0: until killed) on the
two-shard stream ``clicks`` in FILE, with keys ``TAG-0`` .. ``TAG-2`` and data ``TAG:i``,
and prints each record's sequence number once its put has committed.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

from headrace.broker.streams import StreamBroker
from headrace.config.resources import StreamConfig


def main(path: str, tag: str, count: int) -> None:
    streams = StreamBroker(
        Path(path),
        {"clicks": StreamConfig(name="clicks", shard_count=2)},
        region="us-east-1",
        account="123456789012",
        notify=lambda _: None,
    )
    numbers = itertools.count() if count == 0 else range(count)
    for i in numbers:
        result = streams.put_record("clicks", f"{tag}:{i}".encode(), f"{tag}-{i % 3}")
        print(result.sequence_number, flush=True)
    streams.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
