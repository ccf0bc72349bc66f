"""Queues made through CreateQueue are kept in the broker file until DeleteQueue."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from broker_helpers import BrokerFactory, queue_arn

from headrace.config.model import QueueConfig, RedrivePolicy
from headrace.errors import InvalidParameterValue, QueueDoesNotExist, QueueNameExists

PLAIN = {"plain": QueueConfig(name="plain")}
DLQ_ARN = queue_arn("made-dlq")


def test_created_queue_survives_reopening_with_its_attributes(make_broker: BrokerFactory) -> None:
    """A created queue, its attributes and its messages are there when the file is opened
    again with only the config's queues (the next `headrace run`, `headrace send`)."""
    broker = make_broker(PLAIN)
    broker.create_queue("made-dlq", QueueConfig(name="made-dlq"))
    policy = RedrivePolicy(dead_letter_target_arn=DLQ_ARN, max_receive_count=3)
    broker.create_queue(
        "made", QueueConfig(name="made", visibility_timeout=7, redrive_policy=policy)
    )
    broker.send_message("made", "kept")
    broker.close()
    again = make_broker(PLAIN)
    assert sorted(again.queue_names) == ["made", "made-dlq", "plain"]
    made = again.queue("made")
    assert made.config.visibility_timeout == 7
    assert made.dead_letter is not None
    assert made.dead_letter.name == "made-dlq"
    assert [m.body for m in again.peek_messages("made", 10)] == ["kept"]


def test_deleted_created_queue_stays_deleted(make_broker: BrokerFactory) -> None:
    """DeleteQueue of a created queue removes it from the file for good."""
    broker = make_broker(PLAIN)
    broker.create_queue("made", QueueConfig(name="made"))
    broker.delete_queue("made")
    broker.close()
    again = make_broker(PLAIN)
    with pytest.raises(QueueDoesNotExist):
        again.queue("made")


def test_deleting_a_declared_queue_lasts_until_the_next_open(make_broker: BrokerFactory) -> None:
    """A declared queue deleted through the API is back, empty, when the config is read again."""
    broker = make_broker(PLAIN)
    broker.send_message("plain", "gone")
    broker.delete_queue("plain")
    broker.close()
    again = make_broker(PLAIN)
    assert again.peek_messages("plain", 10) == []


def test_a_dead_letter_queue_deleted_since_drops_the_policy(make_broker: BrokerFactory) -> None:
    """A created queue whose dead-letter queue was deleted still opens, without redrive."""
    broker = make_broker(PLAIN)
    broker.create_queue("made-dlq", QueueConfig(name="made-dlq"))
    policy = RedrivePolicy(dead_letter_target_arn=DLQ_ARN, max_receive_count=3)
    broker.create_queue("made", QueueConfig(name="made", redrive_policy=policy))
    broker.delete_queue("made-dlq")
    broker.close()
    assert make_broker(PLAIN).queue("made").dead_letter is None


def test_set_attributes_of_a_created_queue_are_kept(make_broker: BrokerFactory) -> None:
    """SetQueueAttributes on a created queue is written to the file; on a declared queue it
    lasts until the config is read again."""
    broker = make_broker(PLAIN)
    broker.create_queue("made", QueueConfig(name="made"))
    broker.set_queue_attributes("made", QueueConfig(name="made", delay_seconds=5))
    broker.set_queue_attributes("plain", QueueConfig(name="plain", delay_seconds=5))
    assert broker.queue("plain").config.delay_seconds == 5
    broker.close()
    again = make_broker(PLAIN)
    assert again.queue("made").config.delay_seconds == 5
    assert again.queue("plain").config.delay_seconds == 0


def test_create_with_other_attributes_is_queue_name_exists(make_broker: BrokerFactory) -> None:
    """CreateQueue of an existing name with a different attribute value: QueueNameExists."""
    broker = make_broker(PLAIN)
    with pytest.raises(QueueNameExists, match="DelaySeconds"):
        broker.create_queue("plain", QueueConfig(name="plain", delay_seconds=3))


def test_a_refused_create_leaves_no_row(make_broker: BrokerFactory, tmp_path: Path) -> None:
    """A CreateQueue refused for its redrive policy writes nothing to the file."""
    broker = make_broker(PLAIN)
    policy = RedrivePolicy(dead_letter_target_arn=DLQ_ARN, max_receive_count=3)
    with pytest.raises(InvalidParameterValue, match="Dead letter target does not exist"):
        broker.create_queue("made", QueueConfig(name="made", redrive_policy=policy))
    with sqlite3.connect(tmp_path / "broker.sqlite3") as conn:
        names = [name for (name,) in conn.execute("SELECT name FROM queues")]
    assert "made" not in names


def test_a_file_without_the_created_queues_table_gets_it(
    tmp_path: Path, make_broker: BrokerFactory
) -> None:
    """A broker file made before created queues were kept opens, and keeps them from then on."""
    make_broker(PLAIN).close()
    with sqlite3.connect(tmp_path / "broker.sqlite3") as conn:
        conn.execute("DROP TABLE created_queues")
    broker = make_broker(PLAIN)
    broker.create_queue("made", QueueConfig(name="made"))
    broker.close()
    assert "made" in make_broker(PLAIN).queue_names
