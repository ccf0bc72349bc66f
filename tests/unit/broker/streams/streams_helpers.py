"""Shared values and readers of the embedded streams' tests (imported by name: no package)."""

from __future__ import annotations

from collections.abc import Callable

from headrace.broker.streams import StreamBroker
from headrace.config.resources import StreamConfig
from headrace.events import StreamRecord

REGION = "us-east-1"
ACCOUNT = "123456789012"

StreamsFactory = Callable[..., StreamBroker]


def stream_arn(name: str) -> str:
    return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"


def declared_streams(**shard_counts: int) -> dict[str, StreamConfig]:
    """Stream configs by name; ``clicks`` with 1 shard when nothing is given."""
    counts = shard_counts or {"clicks": 1}
    return {name: StreamConfig(name=name, shard_count=n) for name, n in counts.items()}


def read_shard(
    broker: StreamBroker, stream: str, shard_id: str, **kwargs: object
) -> list[StreamRecord]:
    """Every record of one shard from TRIM_HORIZON (or the given iterator arguments)."""
    kwargs.setdefault("iterator_type", "TRIM_HORIZON")
    iterator: str | None = broker.get_shard_iterator(stream, shard_id, **kwargs)  # type: ignore[arg-type]
    records: list[StreamRecord] = []
    while iterator is not None:
        result = broker.get_records(iterator)
        records += result.records
        if not result.records and result.next_shard_iterator is not None:
            break  # the tip of an open shard
        iterator = result.next_shard_iterator
    return records


def read_lineage(broker: StreamBroker, stream: str) -> list[StreamRecord]:
    """Every record of a stream, each shard read only after its parents were read to the end.

    Parents that are no longer listed (forgotten after the retention period) count as read.
    """
    shards = broker.list_shards(stream)
    listed = {shard.shard_id for shard in shards}
    done: set[str] = set()
    records: list[StreamRecord] = []
    while len(done) < len(shards):
        ready = [
            shard
            for shard in shards
            if shard.shard_id not in done
            and all(p in done or p not in listed for p in shard.parent_shard_ids)
        ]
        assert ready, "a shard's parents never finish"
        for shard in ready:
            records += read_shard(broker, stream, shard.shard_id)
            done.add(shard.shard_id)
    return records
