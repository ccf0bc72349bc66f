"""End to end: what `status --json` says, and that status writing never breaks a run."""

from __future__ import annotations

import pytest
from e2e_project import Project, function, mapping, queue

pytestmark = pytest.mark.e2e

# §8.3-8.4 and §8.1: the counters a mapping reports, under AWS's metric names.
AWS_COUNTERS = {
    "PolledEventCount",
    "FilteredOutEventCount",
    "InvokedEventCount",
    "FailedInvokeEventCount",
    "DeletedEventCount",
    "DroppedEventCount",
    "OnFailureDestinationDeliveredEventCount",
    "DestinationDeliveryFailures",
    "Invocations",
    "Errors",
}


def configure_orders(project: Project) -> None:
    project.configure(
        queues={"orders": queue(visibility=5)},
        functions={"fn": function("handlers.partial")},
        mappings=[
            mapping("fn", "orders", BatchSize=1, FunctionResponseTypes=["ReportBatchItemFailures"])
        ],
    )


def test_status_json_statistics_use_aws_metric_names(project: Project) -> None:
    """§8.3-8.4: `status --json` keys a mapping's counters by AWS's metric names."""
    configure_orders(project)
    project.send("orders", "ok:1", "ok:2", "flaky:3")
    project.drain()
    [entry] = project.status()["EventSourceMappings"]
    stats = entry["Statistics"]
    assert set(stats) == AWS_COUNTERS | {"Batches", "Concurrency"}
    # BatchSize 1: the flaky message is invoked twice (reported once), deleted once.
    assert stats["PolledEventCount"] == 4
    assert stats["InvokedEventCount"] == 4
    assert stats["Invocations"] == 4
    assert stats["FailedInvokeEventCount"] == 1
    assert stats["DeletedEventCount"] == 3
    assert stats["Errors"] == 0
    assert entry["State"] == "Enabled"
