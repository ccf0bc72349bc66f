"""End to end: bad and hostile arguments, stdin and configs get one line and the right exit.

design.md: exit 2 for bad input, 1 for a runtime failure; every error is one line
``headrace: ...`` (config problems: one line each) naming the cause, never a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from cli_failures import EXIT_BAD_INPUT, configure_resources, one_line, run_cli
from e2e_project import Project

from headrace.broker.streams import StreamBroker
from headrace.config.load import load_config

pytestmark = pytest.mark.e2e

# DynamoDB's limit: a scalar inside 31 maps or lists is the deepest value an item may hold.
MAX_MAP_WRAPS = 31


def cli(project: Project, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    return run_cli(project, args, stdin=stdin)


def raw(data: bytes) -> str:
    """``data`` as an argument: subprocess hands these exact bytes to the CLI."""
    return os.fsdecode(data)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("run", "--port", "-1"), "--port"),
        (("run", "--port", "65536"), "--port"),
        (("run", "--until-drained", "--port", "0", "--timeout", "nan"), "--timeout"),
        (("run", "--until-drained", "--port", "0", "--timeout", "inf"), "--timeout"),
        (("run", "--until-drained", "--port", "0", "--timeout", "-1"), "--timeout"),
        (("dlq", "orders", "--limit", "99999999999999999999"), "--limit"),
        (("dlq", "orders", "--limit", "-1"), "--limit"),
        (("dlq", "orders", "--limit", "0"), "--limit"),
    ],
    ids=[
        "port-1",
        "port-65536",
        "timeout-nan",
        "timeout-inf",
        "timeout-negative",
        "limit-huge",
        "limit-1",
        "limit-0",
    ],
)
def test_an_option_out_of_range_is_one_line_exit_2(
    project: Project, args: tuple[str, ...], option: str
) -> None:
    """design.md: an option value out of range is bad input, named in one line."""
    configure_resources(project)
    one_line(cli(project, *args), EXIT_BAD_INPUT, f"Invalid value for '{option}'")


def test_send_refuses_a_body_that_is_not_utf8(project: Project) -> None:
    """An SQS body is text: an argument that is not UTF-8 is bad input."""
    configure_resources(project)
    done = cli(project, "send", "orders", raw(b"ok\xff\xfe"))
    one_line(done, EXIT_BAD_INPUT, "BODY is not valid UTF-8", "0xff")


def test_send_dash_names_the_stdin_line_that_is_not_utf8(project: Project) -> None:
    """`send -` sends the lines before the bad one, then exits 2 naming its line."""
    configure_resources(project)
    done = cli(project, "send", "orders", "-", stdin=b"first\nsecond \xc3\n")
    one_line(done, EXIT_BAD_INPUT, "line 2 of stdin is not valid UTF-8")
    assert len(done.stdout.split()) == 1
    assert project.bodies("orders") == ["first"]


def test_put_stores_the_bytes_it_is_given(project: Project) -> None:
    """Kinesis data is bytes: an argument or stdin line that is not UTF-8 is stored as is."""
    configure_resources(project)
    assert cli(project, "put", "clicks", raw(b"\xff\x01x"), "--partition-key", "k").returncode == 0
    done = cli(project, "put", "clicks", "-", "--partition-key", "k", stdin=b"\xfe\xfd\n")
    assert done.returncode == 0, done.stderr
    config = load_config(project.config_path)
    streams = StreamBroker(
        config.data_dir / "streams.sqlite3", config.streams, region="us-east-1", account="0" * 12
    )
    try:
        [shard] = streams.list_shards("clicks")
        iterator = streams.get_shard_iterator("clicks", shard.shard_id, "TRIM_HORIZON")
        assert [r.data for r in streams.get_records(iterator).records] == [
            b"\xff\x01x",
            b"\xfe\xfd",
        ]
    finally:
        streams.close()


def test_table_refuses_json_that_is_not_utf8(project: Project) -> None:
    """Items are JSON text: an ITEM or KEY that is not UTF-8 is bad input."""
    configure_resources(project)
    done = cli(project, "table", "put", "users", raw(b'{"id": "\xff"}'))
    one_line(done, EXIT_BAD_INPUT, "ITEM is not valid UTF-8")
    done = cli(project, "table", "get", "users", raw(b'{"id": "\xff"}'))
    one_line(done, EXIT_BAD_INPUT, "KEY is not valid UTF-8")


def nested_item(wraps: int) -> str:
    """An item whose ``doc`` is a scalar inside ``wraps`` maps and lists, alternating."""
    value = '"leaf"'
    for level in range(wraps):
        value = f'{{"m": {value}}}' if level % 2 else f"[{value}]"
    return f'{{"id": "a", "doc": {value}}}'


@pytest.mark.parametrize("wraps", [MAX_MAP_WRAPS + 1, 450, 100_000])
def test_table_put_refuses_values_nested_past_dynamodbs_limit(project: Project, wraps: int) -> None:
    """DynamoDB nests values 32 levels deep at most: deeper is AWS's ValidationException."""
    configure_resources(project)
    done = cli(project, "table", "put", "users", "-", stdin=nested_item(wraps).encode())
    one_line(done, EXIT_BAD_INPUT, "ValidationException: Nesting Levels have exceeded")


def test_table_put_takes_values_nested_to_dynamodbs_limit(project: Project) -> None:
    """A scalar inside 31 maps and lists is stored (level 32, the deepest allowed)."""
    configure_resources(project)
    done = cli(project, "table", "put", "users", "-", stdin=nested_item(MAX_MAP_WRAPS).encode())
    assert done.returncode == 0, done.stderr
    got = cli(project, "table", "get", "users", '{"id": "a"}')
    assert json.loads(got.stdout) == json.loads(nested_item(MAX_MAP_WRAPS))
