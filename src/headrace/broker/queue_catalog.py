"""The declared queues: names and redrive policies checked as SQS checks them, row ids.

Queues are declared by config; every start re-reads their attributes from it. A queue's
row (id, CreatedTimestamp, FIFO sequence counter) is created the first time it is seen
(:func:`ensure_rows` in SQLite; the in-memory backend numbers its own rows). Queues made
at run time (``create_queue``) are added with :meth:`Catalog.add`; their attributes are kept
in the ``created_queues`` table (:func:`remember_created`) so they are catalogued again at
every open, beside the config's, until deleted.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

from headrace import arn as arnlib
from headrace.broker.names import validate_queue_name
from headrace.broker.sql import Target
from headrace.config.model import QueueConfig
from headrace.errors import InvalidParameterValue, QueueDoesNotExist, QueueNameExists

# SQS's range for RedrivePolicy.maxReceiveCount.
MAX_RECEIVE_COUNT_RANGE = range(1, 1001)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """Where a queue's exhausted messages go, and after how many receives."""

    name: str
    arn: str
    target: Target
    max_receive_count: int


@dataclass(frozen=True, slots=True)
class Queue:
    """A declared queue as the broker uses it."""

    id: int
    name: str
    arn: str
    config: QueueConfig
    created_at: int  # epoch seconds
    dead_letter: DeadLetter | None

    @property
    def fifo(self) -> bool:
        return self.config.fifo_queue

    def retention_start(self, now: int) -> int:
        """The ``enqueued_at`` at or before which a message has expired (epoch ms)."""
        return now - self.config.message_retention_period * 1000

    def redrive_policy_json(self) -> str | None:
        """RedrivePolicy as GetQueueAttributes returns it (compact JSON), if any."""
        if self.dead_letter is None:
            return None
        policy = {
            "deadLetterTargetArn": self.dead_letter.arn,
            "maxReceiveCount": self.dead_letter.max_receive_count,
        }
        return json.dumps(policy, separators=(",", ":"))


class Catalog:
    """Resolves queue names and ARNs to :class:`Queue` objects.

    Construction raises :class:`~headrace.errors.InvalidParameterValue` with SQS's message
    for an invalid queue name or redrive policy.
    """

    def __init__(
        self,
        rows: Mapping[str, tuple[int, int]],
        configs: Mapping[str, QueueConfig],
        *,
        region: str,
        account: str,
    ) -> None:
        self.region = region
        self.account = account
        for name, config in configs.items():
            check_name(name, config)
        bare = {
            name: Queue(id_, name, self.arn(name), config, created, None)
            for name, config in configs.items()
            for id_, created in [rows[name]]
        }
        self._queues = {name: self._with_dead_letter(q, bare) for name, q in bare.items()}

    def add(self, name: str, config: QueueConfig, row: tuple[int, int]) -> Queue:
        """Declare one more queue at run time (its row already made); return it."""
        check_name(name, config)
        bare = Queue(row[0], name, self.arn(name), config, row[1], None)
        queue = self._with_dead_letter(bare, {**self._queues, name: bare})
        self._queues[name] = queue
        return queue

    def add_created(self, created: Mapping[str, tuple[tuple[int, int], QueueConfig]]) -> None:
        """Catalogue the queues kept from CreateQueue (see :func:`created_rows`).

        Queues without a redrive policy come first, so a policy finds its target; a policy
        whose target was deleted since is dropped (as SQS keeps such a queue working).
        """
        ordered = sorted(created.items(), key=lambda item: item[1][1].redrive_policy is not None)
        for name, (row, config) in ordered:
            try:
                self.add(name, config, row)
            except InvalidParameterValue:
                self.add(name, replace(config, redrive_policy=None), row)

    def replace(self, name: str, config: QueueConfig) -> Queue:
        """Give a catalogued queue new attributes (SetQueueAttributes); return it."""
        old = self.get(name)
        bare = Queue(old.id, name, old.arn, config, old.created_at, None)
        queue = self._with_dead_letter(bare, self._queues)
        self._queues[name] = queue
        return queue

    def remove(self, name: str) -> None:
        """Forget a queue deleted at run time."""
        self._queues.pop(name, None)

    def arn(self, name: str) -> str:
        return arnlib.sqs_queue(self.region, self.account, name)

    def names(self) -> list[str]:
        return list(self._queues)

    def get(self, queue: str) -> Queue:
        """The queue named by ``queue`` (a name or an ARN); QueueDoesNotExist otherwise."""
        found = self._queues.get(queue)
        if found is None and queue.startswith("arn:"):
            parsed = arnlib.parse(queue)
            if parsed is not None and (parsed.service, parsed.region, parsed.account) == (
                "sqs",
                self.region,
                self.account,
            ):
                found = self._queues.get(parsed.resource)
        if found is None:
            raise QueueDoesNotExist("The specified queue does not exist.")
        return found

    def _with_dead_letter(self, queue: Queue, queues: Mapping[str, Queue]) -> Queue:
        policy = queue.config.redrive_policy
        if policy is None:
            return queue
        problem = _max_receive_problem(policy.max_receive_count)
        parsed = arnlib.parse(policy.dead_letter_target_arn)
        target = None
        if parsed is not None and (parsed.service, parsed.region, parsed.account) == (
            "sqs",
            self.region,
            self.account,
        ):
            target = queues.get(parsed.resource)
        if problem is None and target is None:
            problem = "Dead letter target does not exist."
        elif problem is None and target is not None and target.fifo != queue.fifo:
            problem = "Dead-letter queue must be same type of queue as the source."
        if problem is not None or target is None:
            raise InvalidParameterValue(
                f"Value {json.dumps(policy.to_aws())} for parameter RedrivePolicy is invalid. "
                f"Reason: {problem}"
            )
        dead_letter = DeadLetter(
            target.name, target.arn, Target(target.id, target.fifo), policy.max_receive_count
        )
        return Queue(queue.id, queue.name, queue.arn, queue.config, queue.created_at, dead_letter)


def _max_receive_problem(max_receive_count: int) -> str | None:
    if max_receive_count in MAX_RECEIVE_COUNT_RANGE:
        return None
    return (
        f"Invalid value for maxReceiveCount: {max_receive_count}, valid values are from 1 to "
        "1000 both inclusive."
    )


def check_name(name: str, config: QueueConfig) -> None:
    """Raise InvalidParameterValue with SQS's message for an invalid queue name."""
    problem = validate_queue_name(name, config.fifo_queue)
    if problem is not None:
        raise InvalidParameterValue(f"{name}: {problem}")


def check_same_attributes(
    existing: QueueConfig, asked: QueueConfig, given: Collection[str] | None
) -> None:
    """CreateQueue of an existing name: QueueNameExists unless the attributes asked for match.

    ``given`` names the CreateQueue attributes the caller set (None: compare them all); as
    on SQS, an attribute left out does not count as different.
    """
    old, new = existing.to_aws(), asked.to_aws()
    for key in sorted(set(old) | set(new)):
        if given is not None and key not in given:
            continue
        if old.get(key) != new.get(key):
            raise QueueNameExists(
                "A queue already exists with the same name and a different value for "
                f"attribute {key}"
            )


def remember_created(conn: sqlite3.Connection, queue_id: int, config: QueueConfig) -> None:
    """Keep a queue made through CreateQueue (or its new attributes) in the file."""
    conn.execute(
        "INSERT OR REPLACE INTO created_queues (queue_id, attributes) VALUES (?, ?)",
        (queue_id, json.dumps(config.to_aws(), sort_keys=True)),
    )


def update_created(conn: sqlite3.Connection, queue_id: int, config: QueueConfig) -> None:
    """New attributes for a queue made through CreateQueue; a declared queue's stay in memory."""
    conn.execute(
        "UPDATE created_queues SET attributes = ? WHERE queue_id = ?",
        (json.dumps(config.to_aws(), sort_keys=True), queue_id),
    )


def created_rows(
    conn: sqlite3.Connection, declared: Collection[str]
) -> dict[str, tuple[tuple[int, int], QueueConfig]]:
    """The queues made through CreateQueue and not declared: ((row id, created_at), config)."""
    found = conn.execute(
        "SELECT q.name, q.id, q.created_at, c.attributes FROM queues q "
        "JOIN created_queues c ON c.queue_id = q.id ORDER BY q.id"
    ).fetchall()
    out: dict[str, tuple[tuple[int, int], QueueConfig]] = {}
    for name, id_, created, attributes in found:
        if name not in declared:
            data: dict[str, Any] = json.loads(attributes)
            out[name] = ((id_, created), QueueConfig.from_aws(name, data))
    return out


def ensure_rows(
    conn: sqlite3.Connection, configs: Mapping[str, QueueConfig], now_s: int
) -> dict[str, tuple[int, int]]:
    """Create missing queue rows; return each queue's (row id, created_at)."""
    conn.executemany(
        "INSERT OR IGNORE INTO queues (name, created_at) VALUES (?, ?)",
        [(name, now_s) for name in configs],
    )
    rows = conn.execute("SELECT name, id, created_at FROM queues").fetchall()
    return {name: (id_, created) for name, id_, created in rows if name in configs}


def delete_rows(conn: sqlite3.Connection, queue_id: int) -> None:
    """Delete a queue's messages, deduplication windows and row (DeleteQueue)."""
    conn.execute("DELETE FROM messages WHERE queue_id = ?", (queue_id,))
    conn.execute("DELETE FROM dedup WHERE queue_id = ?", (queue_id,))
    conn.execute("DELETE FROM created_queues WHERE queue_id = ?", (queue_id,))
    conn.execute("DELETE FROM queues WHERE id = ?", (queue_id,))
