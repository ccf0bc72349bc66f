"""End to end through the CLI: messages sent with `headrace send` reach real handler files."""

from __future__ import annotations

import base64
import hashlib

import pytest
from e2e_project import Project, function, mapping, queue

pytestmark = pytest.mark.e2e


def configure_orders(project: Project, handler: str = "handlers.whole", **fields: object) -> None:
    project.configure(
        queues={"orders": queue(dlq="orders-dlq"), "orders-dlq": {}},
        functions={"fn": function(handler)},
        mappings=[mapping("fn", "orders", **fields)],
    )


def test_success_drains_and_deletes(project: Project) -> None:
    """§4.1.1: a successful batch is deleted; run --until-drained then exits 0."""
    configure_orders(project)
    bodies = [f"ok:{i}" for i in range(25)]
    project.send("orders", *bodies)
    project.drain()
    assert sorted(e["body"] for e in project.records("ok")) == sorted(bodies)
    assert project.bodies("orders") == []
    assert project.bodies("orders-dlq") == []


def test_send_stdin_sends_one_message_per_line(project: Project) -> None:
    """design.md: `send QUEUE -` sends each stdin line as a message and prints its MessageId."""
    configure_orders(project)
    lines = ["ok:first line", "ok:second  line ", 'ok:{"json": [1, 2]}']
    ids = project.send("orders", *lines)
    assert len(ids) == len(lines)
    project.drain()
    seen = {e["messageId"]: e["body"] for e in project.records("ok")}
    assert seen == dict(zip(ids, lines, strict=True))


def test_body_and_attributes_of_every_type_reach_the_record(project: Project) -> None:
    """§3.1.3, §3.1.5: String, Number and Binary attributes arrive; the body is exact."""
    configure_orders(project)
    body = '  {"amount": 1.50, "name": "Zoë \\u00e9"}\t "quoted"  '
    blob = base64.b64encode(b"\x00\x01binary\xff").decode()
    out = project.ok(
        "send",
        "orders",
        body,
        "--attribute",
        "a=1",
        "--attribute",
        "n:Number=2",
        "--attribute",
        f"b:Binary={blob}",
    )
    project.drain()
    [entry] = project.records("ok")
    record = entry["record"]
    assert record["messageId"] == out.strip()
    assert record["body"] == body
    assert record["md5OfBody"] == hashlib.md5(body.encode()).hexdigest()
    assert record["messageAttributes"] == {
        "a": {
            "stringValue": "1",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        },
        "n": {
            "stringValue": "2",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "Number",
        },
        "b": {
            "binaryValue": blob,
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "Binary",
        },
    }
    assert record["md5OfMessageAttributes"]


def test_record_shape_names_the_queue(project: Project) -> None:
    """§3.1: an SQS record carries eventSource, eventSourceARN, awsRegion and string attributes."""
    configure_orders(project)
    project.send("orders", "ok:shape")
    project.drain()
    [entry] = project.records("ok")
    record = entry["record"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:000000000000:orders"
    assert record["awsRegion"] == "us-east-1"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert all(isinstance(v, str) for v in record["attributes"].values())


def test_delayed_message_is_not_received_before_its_delay(project: Project) -> None:
    """SQS DelaySeconds: the first receive comes no sooner than the delay after the send."""
    configure_orders(project)
    project.ok("send", "orders", "ok:late", "--delay-seconds", "2")
    project.drain()
    [entry] = project.records("ok")
    attributes = entry["record"]["attributes"]
    waited = int(attributes["ApproximateFirstReceiveTimestamp"]) - int(attributes["SentTimestamp"])
    assert waited >= 2000


def test_filtered_out_messages_are_deleted_not_invoked(project: Project) -> None:
    """§6.6, §4.1.8: messages that fail the filter are deleted and never reach the function."""
    pattern = '{"body": {"kind": ["keep"]}}'
    configure_orders(project, FilterCriteria={"Filters": [{"Pattern": pattern}]})
    keep = [f'{{"kind": "keep", "n": {i}}}' for i in range(4)]
    drop = [f'{{"kind": "drop", "n": {i}}}' for i in range(6)] + ["not json"]
    project.send("orders", *keep, *drop)
    project.drain()
    assert sorted(e["body"] for e in project.records()) == sorted(keep)
    assert project.bodies("orders") == []
    assert project.bodies("orders-dlq") == []
    [stats] = [m["Statistics"] for m in project.status()["EventSourceMappings"]]
    assert stats["FilteredOutEventCount"] == len(drop)
    assert stats["DeletedEventCount"] == len(keep)
