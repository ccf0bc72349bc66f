"""The CLI's `put` and `table` commands: write to embedded streams and tables directly.

They open ``<data_dir>/streams.sqlite3`` themselves (no running engine is needed; a running
one wakes at once) and print the new SequenceNumber of every record written, one per line.
A table write that changes nothing writes no change record and prints nothing. A name or
ARN the config does not declare is exit 2 with AWS's ResourceNotFoundException text.

Kinesis data is bytes, so ``put`` stores exactly the bytes it was given, UTF-8 or not: the
argument as the shell passed it, or each line of stdin. Items, keys and attributes are
JSON, which is text: ``table`` refuses arguments and lines that are not UTF-8 (exit 2).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import os
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click

from headrace.cli.common import (
    check_data_dir,
    cli_errors,
    config_option,
    fail,
    load,
    utf8,
    utf8_argument,
)
from headrace.config.model import Config
from headrace.config.validate_streams import STREAM_NAME
from headrace.errors import ResourceNotFoundException, ValidationException

if TYPE_CHECKING:
    from headrace.broker.tables.table_seam import TableStorage

P = ParamSpec("P")
T = TypeVar("T")


def resolve_stream(config: Config, name_or_arn: str) -> str:
    """The stream a name or ARN names: a declared stream's name, else the argument for the
    streams file to find (a stream the endpoint's CreateStream made). Anything that cannot
    be a Kinesis stream (a table's change stream included) is ResourceNotFoundException."""
    if name_or_arn.startswith("arn:"):
        stream = config.stream_by_arn(name_or_arn)
        name = name_or_arn.rsplit("/", 1)[-1]
    else:
        stream, name = config.streams.get(name_or_arn), name_or_arn
    if stream is not None:
        return stream.name
    if not STREAM_NAME.fullmatch(name):
        raise ResourceNotFoundException(f"Stream {name} under account {config.account} not found.")
    return name_or_arn


def stream_status(config: Config) -> dict[str, dict[str, Any]]:
    """Every Kinesis stream of the data_dir (declared or made by CreateStream), by name, as
    ``headrace status --json`` shows it. Reads the streams file only if it exists."""
    from headrace.broker.streams import STREAMS_FILE_NAME, StreamBroker

    path = config.data_dir / STREAMS_FILE_NAME
    if not path.exists():
        return {
            name: {"ShardCount": s.shard_count, "RetentionPeriodHours": s.retention_period_hours}
            for name, s in config.streams.items()
        }
    broker = StreamBroker(path, config.streams, region=config.region, account=config.account)
    try:
        summaries = [broker.stream_summary(n) for n in broker.stream_names]
    finally:
        broker.close()
    return {
        s.stream_name: {
            "StreamARN": s.stream_arn,
            "OpenShardCount": s.open_shard_count,
            "ShardCount": s.shard_count,
            "RetentionPeriodHours": s.retention_period_hours,
        }
        for s in sorted(summaries, key=lambda s: s.stream_name)
        if STREAM_NAME.fullmatch(s.stream_name)
    }


def table_status(config: Config) -> dict[str, dict[str, Any]]:
    """Every table of the data_dir (declared or made by CreateTable), by name, as
    ``headrace status --json`` shows it. Reads the streams file only if it exists."""
    from headrace.broker.streams import STREAMS_FILE_NAME
    from headrace.broker.tables import TableBroker

    path = config.data_dir / STREAMS_FILE_NAME
    if not path.exists():
        return {name: {} for name in sorted(config.tables)}
    broker = TableBroker(path, config.tables, region=config.region, account=config.account)
    try:
        summaries = [broker.describe_table(name) for name in sorted(broker.table_names)]
    finally:
        broker.close()
    out: dict[str, dict[str, Any]] = {}
    for summary in summaries:
        entry: dict[str, Any] = {"TableArn": summary.table_arn, "ItemCount": summary.item_count}
        if summary.latest_stream_arn is not None:
            entry["LatestStreamArn"] = summary.latest_stream_arn
        out[summary.table_name] = entry
    return out


def resolve_table(config: Config, name_or_arn: str) -> str:
    """The table a name, table ARN or stream ARN names: a declared table's name, else the
    name for the streams file to find (a table the endpoint's CreateTable made). An ARN of
    another region or account, or of anything but a table, is ResourceNotFoundException."""
    from headrace.broker.tables import table_name

    if name_or_arn.startswith("arn:"):
        table = config.table_by_arn(name_or_arn)
        if table is not None:
            return table.name
        if not config.is_local(name_or_arn, "dynamodb"):
            raise ResourceNotFoundException(
                f"Requested resource not found: Table: {name_or_arn} not found"
            )
        try:
            return table_name(name_or_arn)
        except ValueError:
            raise ResourceNotFoundException(
                f"Requested resource not found: Table: {name_or_arn} not found"
            ) from None
    return name_or_arn


def read_lines(argument: str) -> Iterable[bytes]:
    """``-``: the non-empty lines of stdin, else the argument, as the bytes given."""
    if argument != "-":
        return [os.fsencode(argument)]
    return (line for _, line in _stdin_lines())


def read_text_lines(argument: str, what: str) -> Iterable[str]:
    """:func:`read_lines` as text; exit 2 naming ``what`` (and the line) if one is not UTF-8."""
    if argument != "-":
        return [utf8_argument(argument, what)]
    return (utf8(line, f"{what} on line {number} of stdin") for number, line in _stdin_lines())


def _stdin_lines() -> Iterator[tuple[int, bytes]]:
    for number, line in enumerate(sys.stdin.buffer, start=1):
        if line.strip():
            yield number, line.rstrip(b"\r\n")


@click.command()
@click.argument("stream")
@click.argument("data")
@config_option
@click.option("--partition-key", required=True, help="PartitionKey of every record.")
@click.option("--explicit-hash-key", help="ExplicitHashKey (a decimal 128-bit number).")
@click.option("--base64", "is_base64", is_flag=True, help="DATA is base64 of the record bytes.")
def put(
    stream: str,
    data: str,
    config_flag: Path | None,
    partition_key: str,
    explicit_hash_key: str | None,
    is_base64: bool,
) -> None:
    """Put DATA on an embedded STREAM (name or ARN); DATA - puts one record per stdin line."""
    config = load(config_flag)
    check_data_dir(config)
    with cli_errors():
        target = resolve_stream(config, stream)
        payloads = (_decode(line) if is_base64 else line for line in read_lines(data))
        asyncio.run(put_payloads(config, target, payloads, partition_key, explicit_hash_key))


async def put_payloads(
    config: Config,
    stream: str,
    payloads: Iterable[bytes],
    partition_key: str,
    explicit_hash_key: str | None,
) -> None:
    """Put each payload as it comes (stdin is read line by line); print its sequence number."""
    from headrace.broker.streams import STREAMS_FILE_NAME
    from headrace.broker.streams.stream_storage_thread import ThreadedStreamStorage

    storage = await ThreadedStreamStorage.open(
        config.data_dir / STREAMS_FILE_NAME,
        config.streams,
        region=config.region,
        account=config.account,
        wake_other_processes=True,
    )
    try:
        for payload in payloads:
            result = await storage.put_record(
                stream, payload, partition_key, explicit_hash_key=explicit_hash_key
            )
            click.echo(result.sequence_number)
    finally:
        await storage.aclose()


def _decode(text: bytes) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        fail(f"--base64: {text[:40]!r} is not base64")


@click.group()
def table() -> None:
    """Write or read items of an embedded table (name or ARN); writes feed its stream."""


_dynamodb_json = click.option(
    "--dynamodb-json",
    "dynamodb_json",
    is_flag=True,
    help='Items, keys and attributes are DynamoDB JSON ({"id": {"S": "u1"}}).',
)


class TableSession:
    """A :class:`~headrace.broker.tables.table_seam.TableStorage` for one synchronous
    command: :meth:`run` makes and awaits one storage call on the command's event loop."""

    def __init__(self, runner: asyncio.Runner, storage: TableStorage) -> None:
        self._runner = runner
        self.storage = storage

    def run(self, fn: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._runner.run(_call(fn, *args, **kwargs))


async def _call(fn: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs) -> T:
    return await fn(*args, **kwargs)


@contextmanager
def open_table(config_flag: Path | None, name_or_arn: str) -> Iterator[tuple[TableSession, str]]:
    """The config's table storage and the table's name, closed afterwards; errors exit."""
    from headrace.broker.streams import STREAMS_FILE_NAME
    from headrace.broker.tables.table_storage_thread import ThreadedTableStorage

    config = load(config_flag)
    check_data_dir(config)
    with cli_errors(), asyncio.Runner() as runner:
        target = resolve_table(config, name_or_arn)
        storage = runner.run(
            ThreadedTableStorage.open(
                config.data_dir / STREAMS_FILE_NAME,
                config.tables,
                region=config.region,
                account=config.account,
                wake_other_processes=True,
            )
        )
        try:
            yield TableSession(runner, storage), target
        finally:
            runner.run(storage.aclose())


def parse_json_object(text: str, what: str, dynamodb_json: bool) -> dict[str, Any]:
    """A JSON object argument as DynamoDB JSON; exit 2 if it is not JSON or not an object."""
    from headrace.broker.tables import TOO_DEEP, item_from_plain

    try:
        value = json.loads(text, parse_float=Decimal)
    except ValueError as exc:
        fail(f"{what} is not valid JSON: {exc}")
    except RecursionError:
        # Nested past Python's parser (~1000 levels), so far past DynamoDB's 32.
        raise ValidationException(TOO_DEEP) from None
    if not isinstance(value, dict):
        fail(f"{what} must be a JSON object, not {text[:40]!r}")
    return value if dynamodb_json else item_from_plain(value)


def echo_result(sequence_number: str | None) -> None:
    if sequence_number is not None:
        click.echo(sequence_number)


@table.command("put")
@click.argument("table_name", metavar="TABLE")
@click.argument("item")
@config_option
@_dynamodb_json
def table_put(table_name: str, item: str, config_flag: Path | None, dynamodb_json: bool) -> None:
    """PutItem: store ITEM whole (ITEM - reads one item per line)."""
    with open_table(config_flag, table_name) as (session, name):
        for line in read_text_lines(item, "ITEM"):
            parsed = parse_json_object(line, "ITEM", dynamodb_json)
            echo_result(session.run(session.storage.put_item, name, parsed).sequence_number)


@table.command("update")
@click.argument("table_name", metavar="TABLE")
@click.argument("key")
@click.argument("attributes", required=False, default="{}")
@click.option("--remove", "remove", multiple=True, help="An attribute to remove (repeatable).")
@config_option
@_dynamodb_json
def table_update(
    table_name: str,
    key: str,
    attributes: str,
    remove: Sequence[str],
    config_flag: Path | None,
    dynamodb_json: bool,
) -> None:
    """UpdateItem: set ATTRIBUTES on the item with KEY, keep the rest (creates it if absent)."""
    with open_table(config_flag, table_name) as (session, name):
        parsed_key = parse_json_object(utf8_argument(key, "KEY"), "KEY", dynamodb_json)
        values: Mapping[str, Any] = parse_json_object(
            utf8_argument(attributes, "ATTRIBUTES"), "ATTRIBUTES", dynamodb_json
        )
        result = session.run(
            session.storage.update_item, name, parsed_key, set=values, remove=remove
        )
        echo_result(result.sequence_number)


@table.command("delete")
@click.argument("table_name", metavar="TABLE")
@click.argument("key")
@config_option
@_dynamodb_json
def table_delete(table_name: str, key: str, config_flag: Path | None, dynamodb_json: bool) -> None:
    """DeleteItem: delete the item with KEY (an absent item is no error and no record)."""
    with open_table(config_flag, table_name) as (session, name):
        parsed_key = parse_json_object(utf8_argument(key, "KEY"), "KEY", dynamodb_json)
        echo_result(session.run(session.storage.delete_item, name, parsed_key).sequence_number)


@table.command("get")
@click.argument("table_name", metavar="TABLE")
@click.argument("key")
@config_option
@_dynamodb_json
def table_get(table_name: str, key: str, config_flag: Path | None, dynamodb_json: bool) -> None:
    """GetItem: print the item with KEY as JSON (nothing if there is none)."""
    from headrace.broker.tables import plain_json

    with open_table(config_flag, table_name) as (session, name):
        parsed_key = parse_json_object(utf8_argument(key, "KEY"), "KEY", dynamodb_json)
        found = session.run(session.storage.get_item, name, parsed_key)
        if found is not None:
            click.echo(json.dumps(found) if dynamodb_json else plain_json(found))


__all__ = ["put", "table"]
