"""`headrace status`: mappings (the file's and those made through the Lambda API) from the
running engine's snapshot, depths from the broker."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from headrace.cli.common import (
    check_data_dir,
    cli_errors,
    config_option,
    load,
    open_queue_broker,
    pick_config,
)
from headrace.cli.streams import stream_status, table_status
from headrace.config.kinds import kind_for
from headrace.config.model import Config, EventSourceMappingConfig
from headrace.esm.lifecycle import MappingState
from headrace.sources.kinds.sqs_family import depth_fields
from headrace.state.schema import STATE_FILE_NAME
from headrace.state.sqlite_state import SqliteStatus, open_sqlite_mappings
from headrace.state.state_seam import EngineRecord
from headrace.state.state_seam import MappingRecord as StoredMapping
from headrace.statistics import MappingStatistics, ShardStatistics


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def collect_status(config: Config) -> dict[str, Any]:
    """Every mapping's state and counters, every queue's depth and its DLQ's depth, and
    every Kinesis stream and DynamoDB table (declared or made through the endpoint)."""
    engine, snapshots, registered = asyncio.run(_published(config.data_dir / STATE_FILE_NAME))
    running = engine is not None and _alive(engine.pid)
    by_uuid = {s.uuid: s for s in snapshots}
    broker = open_queue_broker(config)
    try:
        depths = {name: broker.queue_depth(name) for name in broker.queue_names}
    finally:
        broker.close()
    mappings = []
    for mapping in _every_mapping(config, registered):
        snapshot = by_uuid.get(mapping.uuid)
        entry: dict[str, Any] = {
            "UUID": mapping.uuid,
            "FunctionName": mapping.function_name,
            "EventSourceArn": mapping.event_source_arn,
            "State": _state(mapping.enabled, snapshot.state if snapshot else None, running),
            "LastProcessingResult": snapshot.last_processing_result if snapshot else None,
            "InFlightBatches": snapshot.in_flight_batches if running and snapshot else 0,
        }
        if snapshot is not None:
            entry["Statistics"] = _statistics(snapshot)
            if snapshot.shards:
                entry["Shards"] = [_shard(shard) for shard in snapshot.shards]
        kind = kind_for(config, mapping)
        if kind is not None:
            entry.update(kind.status(config, mapping, depths))
        mappings.append(entry)
    return {
        "Engine": {"Running": running, "Pid": engine.pid if engine and running else None},
        "EventSourceMappings": mappings,
        "Queues": {name: depth_fields(d) for name, d in depths.items()},
        "Streams": stream_status(config),
        "Tables": table_status(config),
    }


def _every_mapping(
    config: Config, registered: Sequence[StoredMapping]
) -> list[EventSourceMappingConfig]:
    """The file's mappings, then those made through the Lambda API (the mapping registry;
    a stored one with a file mapping's UUID is the file's)."""
    from_file = {m.uuid for m in config.event_source_mappings}
    made = [
        EventSourceMappingConfig.from_aws(stored.config)
        for stored in registered
        if stored.uuid not in from_file
    ]
    return [*config.event_source_mappings, *made]


async def _published(
    path: Path,
) -> tuple[EngineRecord | None, list[MappingStatistics], tuple[StoredMapping, ...]]:
    """What the running (or last) engine published to the state file at ``path``, and the
    mappings made through the Lambda API that it keeps."""
    store = SqliteStatus(path)
    try:
        engine, snapshots = await store.read()
    finally:
        await store.aclose()
    registry = await asyncio.to_thread(open_sqlite_mappings, path)
    try:
        return engine, snapshots, await registry.list()
    finally:
        await registry.aclose()


def _state(enabled: bool, published: str | None, running: bool) -> str:
    """AWS's ``State`` (§1.4.1): the running engine's, else what the config says.

    An enabled mapping with no engine is still ``Enabled`` (as on AWS, where a mapping's
    state does not depend on records flowing); ``Engine.Running`` says nothing polls it.
    """
    if running and published:
        return published
    return MappingState.ENABLED.value if enabled else MappingState.DISABLED.value


def _statistics(snapshot: MappingStatistics) -> dict[str, int]:
    """The last published counters, under AWS's metric names (§8), and the rest PascalCase."""
    return {
        **snapshot.aws_counters(),
        "Batches": snapshot.batches,
        "Concurrency": snapshot.concurrency,
    }


def _shard(shard: ShardStatistics) -> dict[str, Any]:
    """One shard of a stream mapping: iterator age (§7.6) and lag (pending, ms behind)."""
    return {
        "ShardId": shard.shard_id,
        "State": shard.state,
        "IteratorAgeMs": shard.iterator_age_ms,
        "PendingRecords": shard.pending_records,
        "MillisBehindLatest": shard.millis_behind_latest,
        "InFlightBatches": shard.in_flight_batches,
        "Checkpoint": shard.checkpoint,
    }


def _shard_lines(report: dict[str, Any]) -> list[str]:
    """Per-shard lines under the table for stream mappings."""
    lines = []
    for m in report["EventSourceMappings"]:
        for shard in m.get("Shards", ()):
            lines.append(
                f"  {m['FunctionName']} {shard['ShardId']}: {shard['State']}, "
                f"iterator age {shard['IteratorAgeMs']} ms, lag {shard['PendingRecords']} "
                f"records pending / {shard['MillisBehindLatest']} ms behind"
            )
    return lines


def render_status(report: dict[str, Any]) -> str:
    """The plain-table form of a status report."""
    engine = report["Engine"]
    lines = [
        f"engine: running (pid {engine['Pid']})" if engine["Running"] else "engine: not running"
    ]
    header = ("FUNCTION", "SOURCE", "STATE", "IN-FLIGHT", "LAST RESULT", "QUEUE v/f/d", "DLQ")
    rows = [header]
    for m in report["EventSourceMappings"]:
        queue = m.get("Queue")
        dlq = m.get("DeadLetterQueue")
        rows.append(
            (
                m["FunctionName"],
                m["EventSourceArn"].rsplit(":", 1)[-1],
                m["State"],
                str(m["InFlightBatches"]),
                m["LastProcessingResult"] or "-",
                f"{queue['Visible']}/{queue['InFlight']}/{queue['Delayed']}"
                if queue
                else ("unavailable" if m.get("QueueError") else "-"),
                f"{dlq['Name']}: {dlq['Visible'] + dlq['InFlight'] + dlq['Delayed']}"
                if dlq
                else "-",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    lines += _shard_lines(report)
    streams = report.get("Streams") or {}
    if streams:
        shown = (
            f"{n} ({s.get('OpenShardCount', s['ShardCount'])} open)" for n, s in streams.items()
        )
        lines.append("streams (shards): " + ", ".join(shown))
    tables = report.get("Tables") or {}
    if tables:
        lines.append("tables: " + ", ".join(tables))
    return "\n".join(lines)


@click.command()
@click.argument("config", required=False, type=click.Path(dir_okay=False, path_type=Path))
@config_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(config: Path | None, config_flag: Path | None, as_json: bool) -> None:
    """Every mapping: state, in-flight batches, last result, queue and DLQ depth."""
    cfg = load(pick_config(config, config_flag))
    check_data_dir(cfg)
    with cli_errors():
        report = collect_status(cfg)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        click.echo(render_status(report))
