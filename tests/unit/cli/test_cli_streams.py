"""`headrace put` and `headrace table put|update|delete|get` round trips through the CLI."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from headrace.broker.streams import StreamBroker
from headrace.broker.tables import dynamodb_event_record, table_stream_configs, table_stream_name
from headrace.cli import main
from headrace.config.load import load_config

CONFIG = """\
region: us-east-1
account: "123456789012"
data_dir: data
streams:
  clicks: {ShardCount: 2}
tables:
  users:
    KeySchema: [{AttributeName: id, KeyType: HASH}]
    AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
    StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}
"""


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "headrace.yaml"
    path.write_text(CONFIG)
    return path


@pytest.fixture
def cli(config_path: Path) -> Any:
    """Run ``headrace ARGS -c CONFIG`` (with optional stdin)."""

    def run(*args: str, stdin: str | None = None) -> Result:
        return CliRunner().invoke(main, [*args, "-c", str(config_path)], input=stdin)

    return run


def open_streams(config_path: Path) -> StreamBroker:
    config = load_config(config_path)
    return StreamBroker(
        config.data_dir / "streams.sqlite3",
        {**config.streams, **table_stream_configs(config.tables)},
        region=config.region,
        account=config.account,
        notify=lambda _: None,
    )


def read_all(config_path: Path, stream: str) -> list[Any]:
    """Every record of a stream, shard by shard."""
    streams = open_streams(config_path)
    try:
        records = []
        for shard in streams.list_shards(stream):
            iterator = streams.get_shard_iterator(stream, shard.shard_id, "TRIM_HORIZON")
            records += streams.get_records(iterator).records
        return records
    finally:
        streams.close()


def changes(config_path: Path) -> list[dict[str, Any]]:
    return [dynamodb_event_record(r) for r in read_all(config_path, table_stream_name("users"))]


# -- put ---------------------------------------------------------------------------------


def test_put_stores_data_and_prints_the_sequence_number(cli: Any, config_path: Path) -> None:
    """`put STREAM DATA --partition-key K` stores the record and prints its SequenceNumber."""
    result = cli("put", "clicks", "hello", "--partition-key", "k")
    assert result.exit_code == 0, result.stderr
    (record,) = read_all(config_path, "clicks")
    assert result.stdout.split() == [record.sequence_number]
    assert (record.data, record.partition_key) == (b"hello", "k")


def test_put_dash_puts_one_record_per_line(cli: Any, config_path: Path) -> None:
    """`put STREAM -` reads records from stdin, one per line, in order."""
    result = cli("put", "clicks", "-", "--partition-key", "k", stdin="a\nb\nc\n")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.split()) == 3
    assert [r.data for r in read_all(config_path, "clicks")] == [b"a", b"b", b"c"]


def test_put_base64_takes_raw_bytes(cli: Any, config_path: Path) -> None:
    """`put --base64` decodes DATA, so any bytes can be put."""
    data = base64.b64encode(b"\x00\xffbin").decode()
    assert cli("put", "clicks", data, "--partition-key", "k", "--base64").exit_code == 0
    assert read_all(config_path, "clicks")[0].data == b"\x00\xffbin"


def test_put_bad_base64_is_exit_2(cli: Any) -> None:
    """`put --base64` with text that is not base64 is bad input."""
    result = cli("put", "clicks", "not base64!", "--partition-key", "k", "--base64")
    assert result.exit_code == 2
    assert "not base64" in result.stderr


def test_put_explicit_hash_key_picks_the_shard(cli: Any, config_path: Path) -> None:
    """`put --explicit-hash-key` routes by that hash key (0: the first shard)."""
    args = ("put", "clicks", "x", "--partition-key", "k", "--explicit-hash-key")
    assert cli(*args, "0").exit_code == 0
    assert cli(*args, str(2**128 - 1)).exit_code == 0
    shards = [r.shard_id for r in read_all(config_path, "clicks")]
    assert shards == ["shardId-000000000000", "shardId-000000000001"]


def test_put_to_an_undeclared_stream_is_exit_2(cli: Any) -> None:
    """An undeclared stream is exit 2 with Kinesis's ResourceNotFoundException text."""
    result = cli("put", "nope", "x", "--partition-key", "k")
    assert result.exit_code == 2
    assert "ResourceNotFoundException: Stream nope under account 123456789012 not found." in (
        result.stderr
    )


def test_put_takes_a_stream_arn(cli: Any, config_path: Path) -> None:
    """A declared stream's ARN works like its name."""
    arn = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"
    assert cli("put", arn, "x", "--partition-key", "k").exit_code == 0
    assert len(read_all(config_path, "clicks")) == 1


# -- table -------------------------------------------------------------------------------


def test_table_put_then_get_round_trips_plain_json(cli: Any) -> None:
    """`table put` stores a plain JSON item; `table get` prints it back, numbers exact."""
    item = '{"id": "u1", "price": 1.10, "tags": ["a"], "ok": true, "none": null}'
    assert cli("table", "put", "users", item).exit_code == 0
    result = cli("table", "get", "users", '{"id": "u1"}')
    assert json.loads(result.stdout) == {
        "id": "u1",
        "price": 1.1,
        "tags": ["a"],
        "ok": True,
        "none": None,
    }
    assert '"price":1.1' in result.stdout


def test_table_put_prints_the_change_records_sequence_number(cli: Any, config_path: Path) -> None:
    """§3.3: each write prints its change record's SequenceNumber."""
    result = cli("table", "put", "users", '{"id": "u1"}')
    (record,) = changes(config_path)
    assert result.stdout.split() == [record["dynamodb"]["SequenceNumber"]]
    assert record["eventName"] == "INSERT"


def test_table_put_dash_reads_one_item_per_line(cli: Any, config_path: Path) -> None:
    """`table put TABLE -` writes one item per stdin line."""
    stdin = '{"id": "a"}\n{"id": "b"}\n\n{"id": "c"}\n'
    result = cli("table", "put", "users", "-", stdin=stdin)
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.split()) == 3
    keys = [r["dynamodb"]["Keys"]["id"]["S"] for r in changes(config_path)]
    assert sorted(keys) == ["a", "b", "c"]


def test_table_update_sets_and_keeps_the_rest(cli: Any, config_path: Path) -> None:
    """`table update` sets the given attributes, removes --remove ones, keeps the rest."""
    cli("table", "put", "users", '{"id": "u1", "a": 1, "b": 2, "c": 3}')
    result = cli("table", "update", "users", '{"id": "u1"}', '{"a": 10}', "--remove", "b")
    assert result.exit_code == 0, result.stderr
    got = cli("table", "get", "users", '{"id": "u1"}').stdout
    assert json.loads(got) == {"id": "u1", "a": 10, "c": 3}
    assert changes(config_path)[-1]["eventName"] == "MODIFY"


def test_table_delete_prints_a_number_only_when_something_was_deleted(
    cli: Any, config_path: Path
) -> None:
    """`table delete` emits REMOVE; deleting an absent item prints nothing and is no error."""
    cli("table", "put", "users", '{"id": "u1"}')
    first = cli("table", "delete", "users", '{"id": "u1"}')
    second = cli("table", "delete", "users", '{"id": "u1"}')
    assert (first.exit_code, second.exit_code) == (0, 0)
    assert (len(first.stdout.split()), second.stdout) == (1, "")
    assert [r["eventName"] for r in changes(config_path)] == ["INSERT", "REMOVE"]


def test_table_get_of_an_absent_item_prints_nothing(cli: Any) -> None:
    """`table get` of a key with no item prints nothing and exits 0."""
    result = cli("table", "get", "users", '{"id": "nobody"}')
    assert (result.exit_code, result.stdout) == (0, "")


def test_dynamodb_json_in_and_out(cli: Any, config_path: Path) -> None:
    """--dynamodb-json takes and prints DynamoDB JSON (sets only this way)."""
    item = '{"id": {"S": "u1"}, "tags": {"SS": ["b", "a"]}, "n": {"N": "1.50"}}'
    assert cli("table", "put", "users", item, "--dynamodb-json").exit_code == 0
    result = cli("table", "get", "users", '{"id": {"S": "u1"}}', "--dynamodb-json")
    assert json.loads(result.stdout) == {
        "id": {"S": "u1"},
        "tags": {"SS": ["a", "b"]},
        "n": {"N": "1.5"},
    }


def test_an_undeclared_table_is_exit_2(cli: Any) -> None:
    """An undeclared table is exit 2 with DynamoDB's ResourceNotFoundException text."""
    result = cli("table", "put", "orders", '{"id": "u1"}')
    assert result.exit_code == 2
    assert "Requested resource not found: Table: orders not found" in result.stderr


def test_an_item_without_its_key_is_exit_2(cli: Any) -> None:
    """A ValidationException (missing key) is bad input: exit 2 with DynamoDB's text."""
    result = cli("table", "put", "users", '{"name": "x"}')
    assert result.exit_code == 2
    assert "Missing the key id in the item" in result.stderr


@pytest.mark.parametrize("text", ["not json", "[1, 2]"], ids=["not-json", "not-an-object"])
def test_an_item_that_is_not_a_json_object_is_exit_2(cli: Any, text: str) -> None:
    """ITEM must be a JSON object."""
    result = cli("table", "put", "users", text)
    assert result.exit_code == 2
    assert "ITEM" in result.stderr


def test_the_table_arn_names_the_table(cli: Any) -> None:
    """A declared table's ARN works like its name."""
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/users"
    assert cli("table", "put", arn, '{"id": "u1"}').exit_code == 0
    assert cli("table", "get", "users", '{"id": "u1"}').stdout.strip() == '{"id":"u1"}'
