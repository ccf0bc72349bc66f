"""Writing ``bench/RESULTS.md``: the machine, one table per case, the targets, the history."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import BENCH, ROOT, Row

HISTORY = BENCH / "history.md"
PACKAGES = (
    "headrace",
    "msgspec",
    "celery",
    "kombu",
    "dramatiq",
    "redis",
    "ministack",
    "moto",
    "boto3",
)


def _cpu_model() -> str:
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gb() -> float:
    with open("/proc/meminfo") as info:
        for line in info:
            if line.startswith("MemTotal"):
                return int(line.split()[1]) / 1e6
    return 0.0


def _command(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, cwd=ROOT).stdout.strip()
    except OSError:
        return "unknown"


def machine() -> list[str]:
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    commit = _command(["git", "rev-parse", "--short", "HEAD"])
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"- Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, commit `{commit}`",
        f"- CPU: {os.cpu_count()} cores, {_cpu_model()}; memory {_memory_gb():.0f} GB",
        f"- OS: {platform.system()} {platform.release()}; load average at the end: {load}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{_command(['redis-server', '--version']).split(' sha')[0] or 'Redis: none'}",
        f"- Packages: {', '.join(versions)}",
    ]


def _value(row: Row | None, key: str) -> Any:
    return None if row is None else row.values.get(key)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(header: list[str], lines: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(line) + " |" for line in lines]
    return out


def _find(rows: list[Row], case: str, starts: str = "") -> Row | None:
    return next((r for r in rows if r.case == case and r.system.startswith(starts)), None)


def _notes(row: Row) -> str:
    return "; ".join(row.notes)


def drain_table(rows: list[Row]) -> list[str]:
    drains = [r for r in rows if r.case in ("drain", "drain_headrace", "drain_peers")]
    drains += [r for r in rows if r.case in ("ceilings", "drain_ministack")]
    headrace = _value(_find(rows, "drain", "headrace"), "msgs_per_s")
    lines = []
    for row in drains:
        rate = row.values.get("msgs_per_s")
        ratio = "–"
        if headrace and rate:
            ratio = f"{headrace / rate:.2f}×"
        lines.append(
            [
                row.system,
                _fmt(row.values.get("messages")),
                f"**{_fmt(rate)}**",
                _fmt(row.values.get("cpu_s")),
                _fmt(row.values.get("peak_rss_mb")),
                ratio,
                _notes(row),
            ]
        )
    header = ["system", "messages", "msgs/s", "CPU s", "peak RSS MB", "headrace ÷ it", "notes"]
    return _table(header, lines)


def simple_table(rows: list[Row], case: str, keys: list[str]) -> list[str]:
    lines = [
        [r.system, *(_fmt(r.values.get(k)) for k in keys), _notes(r)]
        for r in rows
        if r.case == case
    ]
    return _table(["case", *keys, "notes"], lines)


Check = Callable[[list[Row]], tuple[str, bool | None]]


def _ratio(rows: list[Row], peer: str, at_least: float) -> tuple[str, bool | None]:
    ours = _value(_find(rows, "drain", "headrace"), "msgs_per_s")
    theirs = _value(_find(rows, "drain", peer), "msgs_per_s")
    if not ours or not theirs:
        return "not measured", None
    ratio = ours / theirs
    return f"{ratio:.2f}×", ratio >= at_least


def _measure(case: str, starts: str, key: str, ok: Callable[[Any], bool]) -> Check:
    def check(rows: list[Row]) -> tuple[str, bool | None]:
        value = _value(_find(rows, case, starts), key)
        if value is None:
            return "not measured", None
        return _fmt(value), ok(value)

    return check


def _failures_ratio(rows: list[Row]) -> tuple[str, bool | None]:
    ours = _value(_find(rows, "drain", "headrace"), "msgs_per_s")
    failing = _value(_find(rows, "failures"), "msgs_per_s")
    if not ours or not failing:
        return "not measured", None
    return f"{100 * failing / ours:.0f} % of the drain", failing >= 0.8 * ours


def _api_ratio(case: str, key: str, at_least: float) -> Check:
    def check(rows: list[Row]) -> tuple[str, bool | None]:
        ours = _value(_find(rows, case, "headrace"), key)
        theirs = _value(_find(rows, case, "moto"), key)
        if not ours or not theirs:
            return "not measured", None
        return f"{ours / theirs:.1f}×", ours / theirs >= at_least

    return check


TARGETS: list[tuple[str, Check]] = [
    (
        "queue drain ≥ 25,000 msgs/s",
        _measure("drain", "headrace", "msgs_per_s", lambda v: v >= 25_000),
    ),
    ("≥ 6× Dramatiq", lambda rows: _ratio(rows, "Dramatiq", 6)),
    ("≥ 25× Celery", lambda rows: _ratio(rows, "Celery", 25)),
    ("≥ 25× MiniStack", lambda rows: _ratio(rows, "MiniStack", 25)),
    (
        "≥ ½ of the pipe hand-off ceiling",
        lambda rows: _ratio(rows, "ceiling: receive+delete+pipe", 0.5),
    ),
    (
        "latency, idle queue: p50 ≤ 1 ms",
        _measure("latency", "queue, idle", "p50_ms", lambda v: v <= 1),
    ),
    (
        "latency, idle queue: p99 ≤ 10 ms",
        _measure("latency", "queue, idle", "p99_ms", lambda v: v <= 10),
    ),
    (
        "latency at 1,000 msgs/s: p99 ≤ 10 ms",
        _measure("latency", "queue, steady", "p99_ms", lambda v: v <= 10),
    ),
    (
        "latency, idle stream: p99 ≤ 10 ms",
        _measure("latency", "stream", "p99_ms", lambda v: v <= 10),
    ),
    (
        "stream ≥ 50,000 records/s",
        _measure("stream", "headrace", "records_per_s", lambda v: v >= 50_000),
    ),
    ("stream order per key", _measure("stream", "headrace", "order_ok", bool)),
    ("FIFO order per group", _measure("fifo", "headrace", "order_ok", bool)),
    ("idle ≤ 1 % of a core", _measure("idle", "headrace", "cpu_percent_of_core", lambda v: v <= 1)),
    ("idle ≤ 150 MB RSS", _measure("idle", "headrace", "rss_mb", lambda v: v <= 150)),
    ("failures: ≥ 80 % of the drain's throughput", _failures_ratio),
    (
        "failures: the DLQ holds exactly the poison messages",
        _measure("failures", "headrace", "dlq_exact", bool),
    ),
    (
        "endpoint send_message_batch ≥ 10,000 msgs/s",
        _measure("api_send", "headrace", "msgs_per_s", lambda v: v >= 10_000),
    ),
    ("endpoint send_message_batch ≥ 50× moto", _api_ratio("api_send", "msgs_per_s", 50)),
    (
        "create mapping → first delivery, cold function: p50 ≤ 100 ms",
        _measure("api_first_delivery", "headrace, cold", "p50_ms", lambda v: v <= 100),
    ),
    (
        "create mapping → first delivery, warm function: p50 ≤ 100 ms",
        _measure("api_first_delivery", "headrace, warm", "p50_ms", lambda v: v <= 100),
    ),
]


def targets(rows: list[Row]) -> list[str]:
    lines = []
    for name, check in TARGETS:
        value, ok = check(rows)
        verdict = "–" if ok is None else ("met" if ok else "**missed**")
        lines.append([name, value, verdict])
    return _table(["target", "measured", ""], lines)


def _stream_ratio(rows: list[Row]) -> list[str]:
    ours = _value(_find(rows, "stream", "headrace"), "records_per_s")
    theirs = _value(_find(rows, "stream", "MiniStack"), "records_per_s")
    if not ours or not theirs:
        return []
    return [f"headrace ÷ MiniStack's Kinesis mapping: {ours / theirs:.1f}×.", ""]


API_RATE_KEYS = {
    "api_send": ["threads", "msgs", "msgs_per_s", "server_cpu_s", "msgs_per_server_cpu_s"],
    "api_put": ["threads", "items", "items_per_s", "server_cpu_s", "items_per_server_cpu_s"],
}


def _api_ratio_line(rows: list[Row], case: str, key: str, what: str) -> str:
    measured, _ = _api_ratio(case, key, 0)(rows)
    return f"headrace ÷ moto, {what}: {measured}."


def api_tables(rows: list[Row]) -> list[str]:
    """Section 6: the endpoint's boto3 calls beside moto's, and create → first delivery."""
    return [
        "boto3 `send_message_batch` (10 × ~200 B):",
        "",
        *simple_table(rows, "api_send", API_RATE_KEYS["api_send"]),
        "",
        _api_ratio_line(rows, "api_send", "msgs_per_s", "send_message_batch"),
        "",
        "boto3 `put_item` on a table with a stream:",
        "",
        *simple_table(rows, "api_put", API_RATE_KEYS["api_put"]),
        "",
        _api_ratio_line(rows, "api_put", "items_per_s", "put_item"),
        "",
        "create_event_source_mapping → the handler starts on the message the queue held:",
        "",
        *simple_table(
            rows,
            "api_first_delivery",
            ["samples", "p50_ms", "p95_ms", "max_ms", "create_call_p50_ms"],
        ),
        "",
    ]


def write_results(rows: list[Row], path: Path, seconds: float, machine_lines: list[str]) -> None:
    """Write the results file for one bench run (``machine_lines``: :func:`machine`'s)."""
    out = [
        "# headrace benchmarks",
        "",
        "Written by `make bench` (do not edit by hand; the history at the end comes from",
        "`bench/history.md`). Every number below comes from the one run described here;",
        f"the run took {seconds / 60:.1f} minutes. How each case measures is in",
        "`docs/performance.md`.",
        "",
        "## Machine",
        "",
        *machine_lines,
        "",
        "## Targets",
        "",
        *targets(rows),
        "",
        "## 1. Queue drain (no-op handler, batch size 10, ~200-byte JSON)",
        "",
        *drain_table(rows),
        "",
        "msgs/s is measured from the first message consumed to the last (start-up excluded;",
        "`wall_msgs_per_s` in `bench/results.json` includes it). CPU seconds cover the",
        "consumer's whole process tree; for the Redis peers the Redis server's CPU is added.",
        "",
        "## 2. Latency (send → handler start)",
        "",
        *simple_table(rows, "latency", ["samples", "p50_ms", "p99_ms", "max_ms"]),
        "",
        "## 3. Stream",
        "",
        *simple_table(
            rows,
            "stream",
            ["records", "records_per_s", "keys", "keys_out_of_order", "order_ok", "cpu_s"],
        ),
        "",
        *_stream_ratio(rows),
        "## 4. Idle cost and FIFO scale",
        "",
        *simple_table(rows, "idle", ["seconds", "cpu_percent_of_core", "rss_mb", "startup_s"]),
        "",
        *simple_table(
            rows, "fifo", ["messages", "msgs_per_s", "groups_out_of_order", "order_ok", "cpu_s"]
        ),
        "",
        "## 5. With failures",
        "",
        *simple_table(
            rows,
            "failures",
            ["messages", "poison", "msgs_per_s", "all_settled_s", "dlq_count", "dlq_exact"],
        ),
        "",
        "## 6. The endpoint's AWS APIs (boto3), beside moto's server",
        "",
        *api_tables(rows),
    ]
    failed = [r for r in rows if not r.values]
    if failed:
        out += ["## Cases that did not finish", ""]
        out += [f"- {r.system}: {_notes(r)}" for r in failed]
        out.append("")
    if HISTORY.exists():
        out += [HISTORY.read_text().rstrip(), ""]
    path.write_text("\n".join(out))
