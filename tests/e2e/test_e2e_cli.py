"""End to end: the CLI's bad-input paths and exit codes, and the dlq command."""

from __future__ import annotations

import json
import socket

import pytest
from e2e_project import Project, free_port, function, mapping, queue

pytestmark = pytest.mark.e2e


def configure_orders(project: Project, *, cured: bool = False, **queue_attrs: object) -> None:
    variables = {"E2E_CURED": "1"} if cured else {}
    project.configure(
        queues={"orders": queue(**queue_attrs), "orders-dlq": {}},
        functions={"fn": function("handlers.partial", variables=variables)},
        mappings=[mapping("fn", "orders", FunctionResponseTypes=["ReportBatchItemFailures"])],
    )


def test_validate_lists_every_error_with_file_mapping_and_key(project: Project) -> None:
    """design.md "Bad input": validate exits 2 naming file, mapping and field of each error."""
    project.configure(
        queues={"orders": queue(), "short": {"VisibilityTimeout": 1, "Bogus": 3}},
        functions={
            "fn": function(),
            "slow": function(timeout=5),
            "lost": {"Handler": "nomodule.handler", "CodeUri": "./src"},
        },
        mappings=[
            mapping("fn", "orders", BatchSize=20000),
            mapping("slow", "orders"),
            mapping("fn", "nowhere", Colour="blue"),
        ],
    )
    done = project.cli("validate")
    assert done.returncode == 2
    errors = done.stderr.splitlines()
    expected = [
        "headrace.yaml: event_source_mappings[0] (fn): BatchSize: ValidationException: ",
        "headrace.yaml: event_source_mappings[1] (slow): EventSourceArn: "
        "InvalidParameterValueException: Queue visibility timeout: 1 seconds is less than "
        "Function timeout: 5 seconds",
        "headrace.yaml: event_source_mappings[2] (fn): Colour: ValidationException: unknown key",
        "headrace.yaml: event_source_mappings[2] (fn): EventSourceArn: "
        "InvalidParameterValueException: Error occurred while ReceiveMessage. SQS Error Code: "
        "AWS.SimpleQueueService.NonExistentQueue.",
        "headrace.yaml: functions.lost: Handler: Runtime.ImportModuleError: ",
        "headrace.yaml: queues.short: Bogus: ValidationException: unknown key",
    ]
    for start in expected:
        assert any(line.startswith(start) for line in errors), (start, errors)
    assert len(errors) == len(expected)


def test_validate_accepts_a_good_config(project: Project) -> None:
    """design.md: validate exits 0 on a valid config and imports no handler."""
    project.configure(
        queues={"orders": queue()},
        functions={"fn": function("broken.handler")},
        mappings=[mapping("fn", "orders")],
    )
    done = project.cli("validate")
    assert done.returncode == 0, done.stderr
    assert "ok (1 queues, 1 functions, 1 event source mappings)" in done.stdout


@pytest.mark.parametrize("name", ["nope", "arn:aws:sqs:us-east-1:000000000000:nope"])
def test_send_to_undeclared_queue_exits_2_with_aws_wording(project: Project, name: str) -> None:
    """design.md: an undeclared queue is exit 2 with QueueDoesNotExist's wording."""
    configure_orders(project)
    done = project.cli("send", name, "hello")
    assert done.returncode == 2
    assert "QueueDoesNotExist: The specified queue does not exist" in done.stderr
    assert name in done.stderr
    assert done.stdout == ""


def test_run_on_a_port_in_use_exits_2_naming_the_port(project: Project) -> None:
    """design.md: `run --port N` on a port in use is exit 2 with a message naming the port."""
    configure_orders(project)
    port = free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        done = project.cli("run", "--until-drained", "--port", str(port))
    assert done.returncode == 2
    assert f"port {port}" in done.stderr


def test_until_drained_timeout_exits_1_and_keeps_the_message(project: Project) -> None:
    """design.md: a message that cannot drain makes `--timeout` exit 1; it stays queued."""
    project.configure(
        queues={"orders": queue()},
        functions={"fn": function()},
        mappings=[mapping("fn", "orders")],
    )
    project.send("orders", "poison:forever")
    done = project.cli("run", "--until-drained", "--timeout", "3", "--port", "0")
    assert done.returncode == 1
    assert "not drained after 3 seconds" in done.stderr
    assert project.bodies("orders") == ["poison:forever"]


def test_dlq_shows_dead_letters_and_redrive_moves_them_back(project: Project) -> None:
    """design.md: `dlq` shows a DLQ's messages; `--redrive` moves them to their source queue."""
    configure_orders(project, dlq="orders-dlq", max_receives=1)
    project.send("orders", "poison:a", "poison:b", "ok:c")
    project.drain()
    shown = json.loads(project.ok("dlq", "orders-dlq", "--json"))
    assert shown["Queue"] == "orders-dlq"
    assert sorted(m["Body"] for m in shown["Messages"]) == ["poison:a", "poison:b"]
    table = project.ok("dlq", "orders-dlq")
    assert "orders-dlq: 2 messages shown" in table
    assert "poison:a" in table
    assert "poison:b" in table
    moved = project.ok("dlq", "orders-dlq", "--redrive")
    assert moved.strip() == "moved 2 messages from orders-dlq to orders"
    assert project.bodies("orders-dlq") == []
    assert project.bodies("orders") == ["poison:a", "poison:b"]


def test_redriven_messages_are_processed_once_the_handler_is_fixed(project: Project) -> None:
    """design.md: after a fix, `dlq --redrive` then `run` processes the dead letters."""
    configure_orders(project, dlq="orders-dlq", max_receives=1)
    project.send("orders", "poison:a", "poison:b")
    project.drain()
    configure_orders(project, cured=True, dlq="orders-dlq", max_receives=1)
    project.ok("dlq", "orders-dlq", "--redrive")
    project.drain()
    assert project.processed_bodies() == {"poison:a", "poison:b"}
    assert project.bodies("orders") == []
    assert project.bodies("orders-dlq") == []


def test_config_flag_works_from_any_folder(project: Project) -> None:
    """design.md: `-c FILE` after any command; data_dir and CodeUri resolve against its folder."""
    configure_orders(project)
    elsewhere = project.root / "elsewhere"
    elsewhere.mkdir()
    flag = ["-c", "../headrace.yaml"]
    sent = project.cli("send", "orders", "ok:far", *flag, cwd=elsewhere)
    assert sent.returncode == 0, sent.stderr
    ran = project.cli("run", *flag, "--until-drained", "--port", "0", cwd=elsewhere)
    assert ran.returncode == 0, ran.stderr
    shown = project.cli("status", *flag, "--json", cwd=elsewhere)
    assert json.loads(shown.stdout)["Queues"]["orders"]["Visible"] == 0
    assert [e["messageId"] for e in project.records("ok")] == [sent.stdout.strip()]
    assert (project.root / ".headrace").is_dir()
    assert not (elsewhere / ".headrace").exists()
