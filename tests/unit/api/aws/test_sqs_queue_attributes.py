"""CreateQueue's and SetQueueAttributes' attributes checked as SQS checks them."""

from __future__ import annotations

import pytest

from headrace.api.aws.sqs_queue_attributes import (
    changed_config,
    created_config,
    given_attributes,
    selected_attributes,
)
from headrace.config.model import QueueConfig, RedrivePolicy
from headrace.errors import InvalidAttributeName, InvalidAttributeValue, InvalidParameterValue

DLQ = "arn:aws:sqs:us-east-1:000000000000:dlq"


def test_created_config_reads_string_values_and_json_policy() -> None:
    """Wire attributes are strings; RedrivePolicy is a JSON string."""
    policy = f'{{"deadLetterTargetArn": "{DLQ}", "maxReceiveCount": "5"}}'
    config = created_config("q", {"VisibilityTimeout": "12", "RedrivePolicy": policy})
    assert config.visibility_timeout == 12
    assert config.redrive_policy == RedrivePolicy(dead_letter_target_arn=DLQ, max_receive_count=5)


@pytest.mark.parametrize(
    ("name", "attributes", "error"),
    [
        ("q", {"Colour": "red"}, InvalidAttributeName),
        ("q", {"MessageRetentionPeriod": "59"}, InvalidAttributeValue),
        ("q", {"ContentBasedDeduplication": "true"}, InvalidAttributeName),
        ("q", {"FifoQueue": "true"}, InvalidParameterValue),
        ("q.fifo", {}, InvalidParameterValue),
        ("q", {"RedrivePolicy": "not json"}, InvalidParameterValue),
    ],
)
def test_created_config_errors(name: str, attributes: dict[str, str], error: type) -> None:
    """Each wrong attribute gets SQS's error class."""
    with pytest.raises(error):
        created_config(name, attributes)


def test_changed_config_keeps_the_rest_and_empty_policy_removes_it() -> None:
    """SetQueueAttributes changes only what it names; RedrivePolicy "" removes the policy."""
    policy = RedrivePolicy(dead_letter_target_arn=DLQ, max_receive_count=2)
    existing = QueueConfig(name="q", delay_seconds=4, redrive_policy=policy)
    changed = changed_config(existing, {"VisibilityTimeout": "9", "RedrivePolicy": ""})
    assert (changed.visibility_timeout, changed.delay_seconds) == (9, 4)
    assert changed.redrive_policy is None


def test_changed_config_refuses_fifo_queue() -> None:
    """FifoQueue is fixed at creation."""
    with pytest.raises(InvalidAttributeName):
        changed_config(QueueConfig(name="q"), {"FifoQueue": "false"})


def test_given_attributes_leave_out_ignored_ones() -> None:
    """Only attributes headrace keeps are compared on a repeated CreateQueue."""
    assert given_attributes({"DelaySeconds": "1", "KmsMasterKeyId": "k"}) == ["DelaySeconds"]


def test_selected_attributes() -> None:
    """All gives every attribute, names give those present, none gives nothing, an unknown
    name is InvalidAttributeName."""
    every = {"QueueArn": "arn", "DelaySeconds": "0"}
    assert selected_attributes(every, ["All"]) == every
    assert selected_attributes(every, ["DelaySeconds", "Policy"]) == {"DelaySeconds": "0"}
    assert selected_attributes(every, None) == {}
    with pytest.raises(InvalidAttributeName):
        selected_attributes(every, ["Nope"])
