"""`headrace send` and `headrace dlq`: the embedded queues, straight from the data_dir."""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import click

from headrace.broker.queue_results import PeekedMessage
from headrace.broker.sqlite_queue_storage import SqliteQueueStorage
from headrace.cli.common import (
    check_data_dir,
    cli_errors,
    config_option,
    fail,
    load,
    utf8,
    utf8_argument,
)
from headrace.config.model import Config, QueueConfig
from headrace.errors import QueueDoesNotExist
from headrace.events import MessageAttributeValue

# dlq --limit: SQLite's largest integer; any larger number cannot be passed to the broker.
MAX_PEEK = 2**63 - 1


async def resolve_queue(
    storage: SqliteQueueStorage, config: Config, name_or_arn: str
) -> QueueConfig:
    """The queue a name or ARN names, declared in the file or made through the endpoint's
    CreateQueue; QueueDoesNotExist otherwise (exit 2)."""
    try:
        return (await storage.get_queue(name_or_arn)).config
    except QueueDoesNotExist:
        raise QueueDoesNotExist(
            f"The specified queue does not exist: {name_or_arn} is not declared in "
            f"{config.path.name} nor created through the endpoint (for real AWS queues use "
            "the AWS CLI)"
        ) from None


def parse_attribute(text: str) -> tuple[str, MessageAttributeValue]:
    """``NAME=VALUE`` (String), ``NAME:Number=VALUE`` or ``NAME:Binary=BASE64``."""
    if "=" not in text:
        raise click.BadParameter(f"{text!r}: expected NAME=VALUE", param_hint="--attribute")
    key, value = text.split("=", 1)
    name, _, data_type = key.partition(":")
    data_type = data_type or "String"
    base_type = data_type.split(".", 1)[0]
    if not name or base_type not in ("String", "Number", "Binary"):
        raise click.BadParameter(
            f"{text!r}: the type must be String, Number or Binary", param_hint="--attribute"
        )
    if base_type == "Binary":
        try:
            return name, MessageAttributeValue(data_type, binary_value=base64.b64decode(value))
        except ValueError as exc:
            raise click.BadParameter(f"{text!r}: not base64", param_hint="--attribute") from exc
    return name, MessageAttributeValue(data_type, string_value=value)


@click.command()
@click.argument("queue")
@click.argument("body")
@config_option
@click.option("--group-id", help="MessageGroupId (FIFO queues).")
@click.option("--dedup-id", help="MessageDeduplicationId (FIFO queues).")
@click.option("--delay-seconds", type=int, help="DelaySeconds (standard queues).")
@click.option("--attribute", "attributes", multiple=True, help="NAME[:Type]=VALUE, repeatable.")
def send(
    queue: str,
    body: str,
    config_flag: Path | None,
    group_id: str | None,
    dedup_id: str | None,
    delay_seconds: int | None,
    attributes: Sequence[str],
) -> None:
    """Send BODY to an embedded QUEUE (name or ARN); BODY - reads one message per line."""
    config = load(config_flag)
    parsed = dict(parse_attribute(a) for a in attributes)
    bodies = stdin_bodies() if body == "-" else [utf8_argument(body, "BODY")]
    with cli_errors():
        asyncio.run(
            send_bodies(
                config,
                queue,
                bodies,
                delay_seconds=delay_seconds,
                message_attributes=parsed or None,
                message_group_id=group_id,
                message_deduplication_id=dedup_id,
            )
        )


async def open_queue_storage(config: Config) -> SqliteQueueStorage:
    """The config's embedded queues, opened straight from its data_dir (no engine needed);
    what changes wakes the ``headrace run`` of that data_dir."""
    check_data_dir(config)
    return await SqliteQueueStorage.open(
        config.data_dir / "broker.sqlite3",
        config.queues,
        region=config.region,
        account=config.account,
        wake_other_processes=True,
    )


async def send_bodies(
    config: Config,
    queue: str,
    bodies: Iterable[str],
    *,
    delay_seconds: int | None,
    message_attributes: Mapping[str, MessageAttributeValue] | None,
    message_group_id: str | None,
    message_deduplication_id: str | None,
) -> None:
    """Send each body as it comes (stdin is read line by line); print each message id."""
    storage = await open_queue_storage(config)
    try:
        name = (await resolve_queue(storage, config, queue)).name
        for text in bodies:
            result = await storage.send_message(
                name,
                text,
                delay_seconds=delay_seconds,
                message_attributes=message_attributes,
                message_group_id=message_group_id,
                message_deduplication_id=message_deduplication_id,
            )
            click.echo(result.message_id)
    finally:
        await storage.aclose()


def stdin_bodies() -> Iterator[str]:
    """One message body per line of stdin; a line that is not UTF-8 text exits 2."""
    for number, line in enumerate(sys.stdin.buffer, start=1):
        yield utf8(line.removesuffix(b"\n").removesuffix(b"\r"), f"line {number} of stdin")


@click.command()
@click.argument("queue")
@config_option
@click.option("--redrive", is_flag=True, help="Move the messages back to their source queue.")
@click.option("--to", "to_queue", help="The source queue, when several name this DLQ.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--limit",
    type=click.IntRange(1, MAX_PEEK),
    default=100,
    show_default=True,
    help="Messages to show.",
)
def dlq(
    queue: str,
    config_flag: Path | None,
    redrive: bool,
    to_queue: str | None,
    as_json: bool,
    limit: int,
) -> None:
    """Show QUEUE's messages without receiving them; --redrive moves them back."""
    config = load(config_flag)
    with cli_errors():
        asyncio.run(show_or_redrive(config, queue, redrive, to_queue, as_json, limit))


async def show_or_redrive(
    config: Config,
    queue: str,
    redrive: bool,
    to_queue: str | None,
    as_json: bool,
    limit: int,
) -> None:
    """``dlq``'s work on the opened queues: move the messages back, or show them."""
    storage = await open_queue_storage(config)
    try:
        target = await resolve_queue(storage, config, queue)
        if redrive:
            every = [(await storage.get_queue(n)).config for n in await storage.list_queues()]
            chosen = await resolve_queue(storage, config, to_queue) if to_queue else None
            source = redrive_source(config, every, target, chosen)
            moved = await storage.move_messages(target.name, source.name)
            click.echo(f"moved {moved} messages from {target.name} to {source.name}")
            return
        show_messages(await storage.peek_messages(target.name, limit), target, as_json)
    finally:
        await storage.aclose()


def redrive_source(
    config: Config,
    queues: Sequence[QueueConfig],
    dlq_queue: QueueConfig,
    chosen: QueueConfig | None,
) -> QueueConfig:
    """The queue of ``queues`` whose RedrivePolicy names ``dlq_queue`` (``chosen``: the
    ``--to`` queue, picking among several)."""
    dlq_arn = config.queue_arn(dlq_queue.name)
    sources = [
        q
        for q in queues
        if q.redrive_policy is not None and q.redrive_policy.dead_letter_target_arn == dlq_arn
    ]
    if chosen is not None:
        if chosen not in sources:
            fail(f"{chosen.name}'s RedrivePolicy does not name {dlq_queue.name}")
        return chosen
    if not sources:
        fail(f"no queue's RedrivePolicy names {dlq_queue.name}; nothing to redrive to")
    if len(sources) > 1:
        names = ", ".join(sorted(q.name for q in sources))
        fail(f"several queues use {dlq_queue.name} as their DLQ ({names}); pick one with --to")
    return sources[0]


def show_messages(messages: Sequence[PeekedMessage], queue: QueueConfig, as_json: bool) -> None:
    """Print peeked messages as a table, or as JSON with SQS-style keys."""
    rows = [
        {
            "MessageId": m.message_id,
            "Body": m.body,
            "SentTimestamp": m.sent_timestamp,
            "ApproximateReceiveCount": m.receive_count,
            "InFlight": m.in_flight,
            "MessageGroupId": m.message_group_id,
            "MessageAttributes": {k: v.to_record() for k, v in m.message_attributes.items()},
        }
        for m in messages
    ]
    if as_json:
        click.echo(json.dumps({"Queue": queue.name, "Messages": rows}, indent=2))
        return
    click.echo(f"{queue.name}: {len(rows)} messages shown")
    for row in rows:
        body = str(row["Body"])
        body = body if len(body) <= 60 else body[:57] + "..."
        count = row["ApproximateReceiveCount"]
        click.echo(f"  {row['MessageId']}  receives={count}  {body}")
