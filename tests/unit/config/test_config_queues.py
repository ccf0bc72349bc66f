"""The queues: section: SQS CreateQueue attributes, ranges and RedrivePolicy, with SQS's errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from config_docs import Loaded, Problems, base_document, queue_arn

from headrace.config import QueueConfig, RedrivePolicy

AT = "headrace.yaml: queues.orders"


def with_queue(**attributes: Any) -> dict[str, Any]:
    document = base_document()
    document["queues"]["orders"] = attributes
    return document


@pytest.mark.parametrize(
    ("attribute", "value", "low", "high", "unit"),
    [
        ("VisibilityTimeout", 43_201, 0, 43_200, "seconds"),
        ("MessageRetentionPeriod", 59, 60, 1_209_600, "seconds"),
        ("DelaySeconds", 901, 0, 900, "seconds"),
        ("MaximumMessageSize", 1_023, 1_024, 262_144, "bytes"),
        ("ReceiveMessageWaitTimeSeconds", 21, 0, 20, "seconds"),
    ],
)
def test_attribute_out_of_range(
    problems: Problems, attribute: str, value: int, low: int, high: int, unit: str
) -> None:
    """SQS CreateQueue: each integer attribute has a range; outside it is InvalidAttributeValue."""
    assert problems(with_queue(**{attribute: value})) == [
        f"{AT}: {attribute}: InvalidAttributeValue: Invalid value for the parameter "
        f"{attribute}. Valid values: an integer from {low} to {high} ({unit}); got {value}."
    ]


def test_attribute_as_a_string_number_is_accepted(loaded: Loaded) -> None:
    """SQS CreateQueue: attributes are strings on the wire, so "45" means 45."""
    assert loaded(with_queue(VisibilityTimeout="45")).queues["orders"].visibility_timeout == 45


def test_attribute_of_the_wrong_type(problems: Problems) -> None:
    """SQS CreateQueue: a non-number is an invalid value, not a traceback."""
    assert problems(with_queue(DelaySeconds="soon")) == [
        f"{AT}: DelaySeconds: InvalidAttributeValue: Invalid value for the parameter "
        "DelaySeconds. Valid values: an integer from 0 to 900 (seconds); got 'soon'."
    ]


def test_defaults_are_sqs_defaults(loaded: Loaded) -> None:
    """SQS CreateQueue: an empty queue entry gets SQS's defaults."""
    queue = loaded(with_queue()).queues["orders"]
    assert queue == QueueConfig(name="orders")
    assert (queue.visibility_timeout, queue.message_retention_period) == (30, 345_600)


def test_misspelt_attribute(problems: Problems) -> None:
    """design: an unknown attribute is rejected with the closest valid name."""
    assert problems(with_queue(VisiblityTimeout=30)) == [
        f"{AT}: VisiblityTimeout: ValidationException: unknown key; did you mean VisibilityTimeout?"
    ]


def test_ignored_attributes_are_accepted(loaded: Loaded) -> None:
    """SQS CreateQueue: encryption and policy attributes are accepted and not used."""
    assert loaded(with_queue(SqsManagedSseEnabled=True, Policy="{}")).queues["orders"]


def test_content_based_deduplication_on_a_standard_queue(problems: Problems) -> None:
    """SQS CreateQueue: ContentBasedDeduplication is a FIFO attribute."""
    assert problems(with_queue(ContentBasedDeduplication=True)) == [
        f"{AT}: ContentBasedDeduplication: InvalidAttributeName: "
        "Unknown Attribute ContentBasedDeduplication."
    ]


def test_fifo_queue_as_a_string(loaded: Loaded) -> None:
    """SQS CreateQueue: FifoQueue may be the string "true"."""
    document = base_document()
    document["queues"]["jobs.fifo"] = {"FifoQueue": "true"}
    assert loaded(document).queues["jobs.fifo"].fifo_queue is True


def test_fifo_queue_name_needs_the_suffix(problems: Problems) -> None:
    """SQS CreateQueue: a FIFO queue's name ends in .fifo."""
    document = base_document()
    document["queues"]["jobs"] = {"FifoQueue": True}
    assert problems(document) == [
        "headrace.yaml: queues.jobs: InvalidParameterValue: The name of a FIFO queue can only "
        "include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix "
        "and be 1 to 80 in length."
    ]


def test_queue_name_with_bad_characters(problems: Problems) -> None:
    """SQS CreateQueue: names are alphanumeric, hyphens and underscores."""
    document = base_document()
    document["queues"]["my queue"] = {}
    assert problems(document) == [
        "headrace.yaml: queues.my queue: InvalidParameterValue: Can only include alphanumeric "
        "characters, hyphens, or underscores. 1 to 80 in length"
    ]


def test_redrive_policy_is_built(loaded: Loaded) -> None:
    """§4.1.2: the RedrivePolicy names the dead-letter queue and the receive count."""
    policy = {"deadLetterTargetArn": queue_arn("orders-dlq"), "maxReceiveCount": 3}
    queue = loaded(with_queue(RedrivePolicy=policy)).queues["orders"]
    assert queue.redrive_policy == RedrivePolicy(
        dead_letter_target_arn=queue_arn("orders-dlq"), max_receive_count=3
    )


def test_redrive_policy_as_a_json_string(loaded: Loaded) -> None:
    """SQS CreateQueue: RedrivePolicy may be given as a JSON string, as the API takes it."""
    policy = json.dumps({"deadLetterTargetArn": queue_arn("orders-dlq"), "maxReceiveCount": "5"})
    queue = loaded(with_queue(RedrivePolicy=policy)).queues["orders"]
    assert queue.redrive_policy is not None
    assert queue.redrive_policy.max_receive_count == 5


def test_redrive_target_must_be_declared(problems: Problems) -> None:
    """SQS SetQueueAttributes: the dead-letter target must exist (a declared queue)."""
    target = queue_arn("nowhere")
    policy = {"deadLetterTargetArn": target, "maxReceiveCount": 3}
    assert problems(with_queue(RedrivePolicy=policy)) == [
        f"{AT}: RedrivePolicy: InvalidParameterValue: Value "
        f'{{"deadLetterTargetArn":"{target}","maxReceiveCount":3}} for parameter RedrivePolicy '
        "is invalid. Reason: Dead letter target does not exist."
    ]


def test_max_receive_count_above_1000(problems: Problems) -> None:
    """SQS SetQueueAttributes: maxReceiveCount is 1-1000."""
    target = queue_arn("orders-dlq")
    policy = {"deadLetterTargetArn": target, "maxReceiveCount": 1001}
    assert problems(with_queue(RedrivePolicy=policy)) == [
        f"{AT}: RedrivePolicy: InvalidParameterValue: Value "
        f'{{"deadLetterTargetArn":"{target}","maxReceiveCount":1001}} for parameter '
        "RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: 1001, valid "
        "values are from 1 to 1000 both inclusive."
    ]


def test_redrive_policy_without_max_receive_count(problems: Problems) -> None:
    """SQS SetQueueAttributes: both attributes of a RedrivePolicy are mandatory."""
    target = queue_arn("orders-dlq")
    assert problems(with_queue(RedrivePolicy={"deadLetterTargetArn": target})) == [
        f"{AT}: RedrivePolicy: InvalidParameterValue: Value "
        f'{{"deadLetterTargetArn":"{target}"}} for parameter RedrivePolicy is invalid. '
        "Reason: Redrive policy does not contain mandatory attribute: maxReceiveCount."
    ]


def test_fifo_queue_needs_a_fifo_dead_letter_queue(problems: Problems) -> None:
    """SQS SetQueueAttributes: a FIFO queue's dead-letter queue is FIFO too."""
    document = base_document()
    target = queue_arn("orders-dlq")
    document["queues"]["jobs.fifo"]["RedrivePolicy"] = {
        "deadLetterTargetArn": target,
        "maxReceiveCount": 2,
    }
    assert problems(document) == [
        "headrace.yaml: queues.jobs.fifo: RedrivePolicy: InvalidParameterValue: Value "
        f'{{"deadLetterTargetArn":"{target}","maxReceiveCount":2}} for parameter RedrivePolicy '
        "is invalid. Reason: Dead-letter queue must be same type of queue as the source."
    ]


def test_queue_entry_that_is_not_a_mapping(problems: Problems) -> None:
    """design: a queue's settings are a mapping; anything else is named clearly."""
    document = base_document()
    document["queues"]["orders"] = [1, 2]
    assert problems(document) == [
        f"{AT}: ValidationException: expected a mapping of queue attributes, got list"
    ]


def test_queue_with_problems_does_not_pile_onto_mappings(problems: Problems) -> None:
    """design: a mapping of a declared but invalid queue reports nothing more about it."""
    document = with_queue(DelaySeconds=-1)
    document["event_source_mappings"] = [
        {"FunctionName": "f", "EventSourceArn": queue_arn("orders")}
    ]
    assert problems(document) == [
        f"{AT}: DelaySeconds: InvalidAttributeValue: Invalid value for the parameter "
        "DelaySeconds. Valid values: an integer from 0 to 900 (seconds); got -1."
    ]
