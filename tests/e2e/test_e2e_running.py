"""End to end on a running `headrace run`: signals, `status` and GET /metrics while it runs."""

from __future__ import annotations

import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from e2e_project import Project, free_port, function, mapping, queue, wait_until
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.e2e

# Long enough that a held batch never times out or reappears while a test holds it.
HOLD_TIMEOUT = 20
# Bound on a running engine's exit once it was told to stop (or released).
EXIT_TIMEOUT = 30


def configure_hold(project: Project) -> None:
    project.configure(
        queues={"orders": queue(visibility=HOLD_TIMEOUT)},
        functions={"fn": function(timeout=HOLD_TIMEOUT)},
        mappings=[mapping("fn", "orders")],
    )


def start_holding(project: Project, *run_args: str) -> tuple[subprocess.Popen[str], str]:
    """Start `run`, send a held message, return once its batch is in the handler."""
    process = project.start("run", *run_args)
    [message_id] = project.send("orders", "hold:1")
    started: Path = project.root / f"started-{message_id}"
    wait_until(started.exists, "the held batch to start")
    return process, message_id


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_finishes_the_in_flight_batch_and_exits_0(
    project: Project, sig: signal.Signals
) -> None:
    """design.md: SIGTERM and Ctrl-C stop gracefully; the in-flight batch finishes, is deleted."""
    configure_hold(project)
    process, message_id = start_holding(project, "--port", "0")
    process.send_signal(sig)
    stopping = f"{sig.name}: stopping; in-flight batches finish first"
    wait_until(lambda: stopping in project.stderr_of(process), "the engine to start stopping")
    assert process.poll() is None, "the engine waits for its in-flight batch"
    project.send("orders", "ok:after-stop")
    project.release_path.touch()
    assert process.wait(timeout=EXIT_TIMEOUT) == 0, project.stderr_of(process)
    assert [e["messageId"] for e in project.records("ok")] == [message_id]
    # The held batch was deleted; the message sent after the stop began was not received.
    assert project.depth("orders") == {"Visible": 1, "InFlight": 0, "Delayed": 0}


def test_status_while_running_shows_enabled_and_the_in_flight_batch(project: Project) -> None:
    """§1.4: a running mapping is Enabled; status shows its batch in flight and the engine."""
    configure_hold(project)
    process, _ = start_holding(project, "--port", "0")

    def in_flight() -> dict[str, object] | None:
        report = project.status()
        [entry] = report["EventSourceMappings"]
        return report if entry["InFlightBatches"] == 1 else None

    report = wait_until(in_flight, "status to show the batch in flight")
    assert report["Engine"] == {"Running": True, "Pid": process.pid}
    [entry] = report["EventSourceMappings"]
    assert entry["State"] == "Enabled"
    assert entry["Queue"] == {"Visible": 0, "InFlight": 1, "Delayed": 0}
    table = project.ok("status")
    assert f"engine: running (pid {process.pid})" in table
    project.release_path.touch()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=EXIT_TIMEOUT) == 0


def test_status_without_an_engine_says_not_running(project: Project) -> None:
    """design.md, §1.4.1: with no engine, status reads depths from data_dir; State stays
    AWS's `Enabled` and `Engine.Running: false` says nothing polls."""
    configure_hold(project)
    project.send("orders", "ok:1", "ok:2")
    report = project.status()
    assert report["Engine"] == {"Running": False, "Pid": None}
    [entry] = report["EventSourceMappings"]
    assert entry["State"] == "Enabled"
    assert entry["Queue"] == {"Visible": 2, "InFlight": 0, "Delayed": 0}
    assert "engine: not running" in project.ok("status")


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float] | None:
    """GET /metrics as {(sample name, labels): value}; None while the endpoint is not up."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
            text = reply.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return None
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_while_running_count_polled_invoked_deleted_invocations(
    project: Project,
) -> None:
    """§8.3-8.4: /metrics has AWS's event counts, labelled by function and mapping UUID."""
    project.configure(
        # 3 s: no invocation here, cold start included, outlasts its message's visibility,
        # so no message is received twice and the counts below are exact.
        queues={"orders": queue(visibility=3)},
        functions={"fn": function("handlers.partial")},
        mappings=[
            mapping("fn", "orders", BatchSize=1, FunctionResponseTypes=["ReportBatchItemFailures"])
        ],
    )
    port = free_port()
    process = project.start("run", "--port", str(port))
    project.send("orders", *[f"ok:{i}" for i in range(10)], "flaky:1")
    [entry] = project.status()["EventSourceMappings"]
    labels = (("EventSourceMappingUUID", entry["UUID"]), ("FunctionName", "fn"))

    def drained() -> dict[tuple[str, tuple[tuple[str, str], ...]], float] | None:
        samples = scrape(port)
        done = samples and samples.get(("DeletedEventCount_total", labels)) == 11
        return samples if done else None

    samples = wait_until(drained, "DeletedEventCount to reach 11")
    # BatchSize 1: the flaky message is polled, invoked and reported twice, deleted once.
    assert samples[("PolledEventCount_total", labels)] == 12
    assert samples[("InvokedEventCount_total", labels)] == 12
    assert samples[("Invocations_total", labels)] == 12
    assert samples[("FailedInvokeEventCount_total", labels)] == 1
    assert samples[("FilteredOutEventCount_total", labels)] == 0
    assert samples[("Errors_total", labels)] == 0
    requests = {e["requestId"] for e in project.entries() if e["event"] == "start"}
    assert len(requests) == 12
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=EXIT_TIMEOUT) == 0


def test_second_run_on_the_same_data_dir_exits_1(project: Project) -> None:
    """design.md: one engine per data_dir; a second `run` fails (exit 1) and says why."""
    configure_hold(project)
    first = project.start("run", "--port", "0")
    wait_until(lambda: project.status()["Engine"]["Running"], "the first engine to publish")
    second = project.cli("run", "--until-drained", "--port", "0")
    assert second.returncode == 1
    assert f"is in use by another `headrace run` (pid {first.pid})" in second.stderr
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=EXIT_TIMEOUT) == 0
