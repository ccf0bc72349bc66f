"""The pure helpers of the endpoint benchmark (bench/cases/aws_api.py) and its report rows.

The case itself runs servers and is timed, so it is not part of the test suite; what it
computes from its measurements is.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from bench.cases.aws_api import (
    Burst,
    best,
    build_project,
    burst,
    percentile,
    ratio,
    send_entries,
    send_queue,
    started_times,
    table_item,
)
from bench.common import Row
from bench.report import targets, write_results

from headrace.config.load import load_config


def test_send_entries_are_one_full_batch_of_distinct_orders() -> None:
    """A SendMessageBatch carries 10 entries with distinct ids, each a ~200-byte order."""
    entries = send_entries(30)
    assert len(entries) == 10
    assert len({e["Id"] for e in entries}) == 10
    assert all(150 <= len(e["MessageBody"]) <= 260 for e in entries)
    assert json.loads(entries[0]["MessageBody"])["order_id"] == "ord-000000030"
    assert json.loads(entries[9]["MessageBody"])["order_id"] == "ord-000000039"


def test_table_items_never_share_a_key_between_threads() -> None:
    """Every put_item writes a new key: threads and calls are both in the key."""
    keys = {table_item(i, t)["pk"]["S"] for i in range(50) for t in range(4)}
    assert len(keys) == 200


def test_best_and_ratio() -> None:
    """The best burst is the fastest; a ratio with a missing or zero side is None."""
    slow, fast = Burst(1, 100, 2.0, 1.0), Burst(2, 300, 2.0, 1.5)
    assert best([slow, fast]) is fast
    assert fast.rate == 150
    assert fast.per_server_cpu_s == 200
    assert Burst(1, 5, 1.0, 0.0).per_server_cpu_s is None
    assert ratio(150.0, 3.0) == 50
    assert ratio(150.0, 0.0) is None
    assert ratio(None, 3.0) is None


def test_burst_gives_each_thread_its_own_client_and_an_untimed_first_call() -> None:
    """Each thread makes its own client, calls once with index -1, then counts units."""
    made: list[int] = []
    first_calls: list[int] = []
    lock = threading.Lock()

    def make_client() -> object:
        own = object()
        with lock:
            made.append(id(own))
        return own

    def call(own: object, thread: int, i: int) -> int:
        if i < 0:
            with lock:
                first_calls.append(thread)
            return 1000  # an untimed call's units are not counted
        return 10

    counts = burst(make_client, call, 3, 0.02)
    assert len(set(made)) == 3
    assert sorted(first_calls) == [0, 1, 2]
    assert len(counts) == 3
    assert all(c > 0 and c % 10 == 0 for c in counts)


def test_burst_reports_a_failing_client() -> None:
    """A call that raises fails the burst instead of being counted as zero."""

    def call(own: object, thread: int, i: int) -> int:
        raise ValueError("refused")

    with pytest.raises(RuntimeError, match="refused"):
        burst(object, call, 2, 0.01)


def test_started_times_reads_complete_lines_with_their_worker(tmp_path: Path) -> None:
    """The handler's lines give each tag's start and pid; a half-written line is skipped."""
    (tmp_path / "started-41.txt").write_text("cold-0 100.5\nwarm-1 101.25\nwarm-2 10")
    (tmp_path / "started-42.txt").write_text("cold-1 102.0\n")
    assert started_times(tmp_path) == {
        "cold-0": (100.5, 41),
        "warm-1": (101.25, 41),
        "cold-1": (102.0, 42),
    }


def test_percentile_nearest_rank() -> None:
    """p50 and p95 of 20 samples are the 11th and 20th smallest (nearest rank)."""
    values = [float(v) for v in range(20, 0, -1)]
    assert percentile(values, 0.5) == 11
    assert percentile(values, 0.95) == 20


def test_project_declares_a_queue_per_burst_a_table_with_a_stream_and_cold_functions(
    tmp_path: Path,
) -> None:
    """The headrace file holds every queue a burst sends to, the streamed table and one
    never-run function per cold sample; no mapping (the case creates them by API)."""
    project = build_project(tmp_path, [1, 2], 3, tmp_path / "out")
    config = load_config(project.write())
    assert {send_queue(1), send_queue(2), "first"} <= set(config.queues)
    assert config.tables["items"].stream_specification is not None
    assert {"warm", "cold-0", "cold-1", "cold-2"} <= set(config.functions)
    assert not config.event_source_mappings


def _rows(dynamodb_served: bool) -> list[Row]:
    rate = {"threads": 2, "msgs": 60_000, "msgs_per_s": 12_000, "server_cpu_s": 4.0}
    put: Row = (
        Row("api_put", "headrace endpoint", {"threads": 1, "items": 9_000, "items_per_s": 1_800})
        if dynamodb_served
        else Row("api_put", "headrace endpoint", {"served": False}, ["DynamoDB not served yet"])
    )
    return [
        Row("api_send", "headrace endpoint", rate),
        Row("api_send", "moto server", {**rate, "msgs_per_s": 200}),
        put,
        Row("api_put", "moto server", {"threads": 1, "items": 600, "items_per_s": 120}),
        Row("api_first_delivery", "headrace, cold function", {"samples": 20, "p50_ms": 130.0}),
        Row("api_first_delivery", "headrace, warm function", {"samples": 20, "p50_ms": 4.0}),
    ]


def test_targets_judge_the_endpoint_rows() -> None:
    """The issue's targets: ≥ 10,000 msgs/s, ≥ 50× moto, first delivery p50 ≤ 100 ms."""
    lines = "\n".join(targets(_rows(dynamodb_served=True)))
    assert "| endpoint send_message_batch ≥ 10,000 msgs/s | 12,000 | met |" in lines
    assert "| endpoint send_message_batch ≥ 50× moto | 60.0× | met |" in lines
    assert "cold function: p50 ≤ 100 ms | 130.00 | **missed** |" in lines
    assert "warm function: p50 ≤ 100 ms | 4.00 | met |" in lines


def test_results_render_the_endpoint_section(tmp_path: Path) -> None:
    """Section 6 shows both servers' rows and the ratios; an unserved DynamoDB is a row
    with its note, not a case that did not finish."""
    out = tmp_path / "RESULTS.md"
    write_results(_rows(dynamodb_served=False), out, 60.0, ["- machine"])
    text = out.read_text()
    assert "## 6. The endpoint's AWS APIs" in text
    assert "| moto server | 2 | 60,000 | 200 | 4.00 |" in text
    assert "headrace ÷ moto, send_message_batch: 60.0×." in text
    assert "headrace ÷ moto, put_item: not measured." in text
    assert "DynamoDB not served yet" in text
    assert "did not finish" not in text
