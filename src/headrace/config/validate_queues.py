"""Check and build the ``queues:`` section: SQS CreateQueue attributes with SQS's errors.

SQS attributes are strings on the wire, so integer attributes accept ``30`` and ``"30"``.
Out-of-range values give SQS's ``InvalidAttributeValue``; a bad RedrivePolicy gives SQS's
``InvalidParameterValue`` text ("Value {...} for parameter RedrivePolicy is invalid. Reason:
..."). A queue with any problem is left out of the result, so later checks do not pile
follow-on errors onto it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from headrace import arn as arnlib
from headrace.config.model import QueueConfig
from headrace.config.optional import queue_name_problem
from headrace.config.problems import (
    Problems,
    Scope,
    check_keys,
    read_entry,
)
from headrace.config.quoting import quoted

# SQS's exception names (its own spellings, not Lambda's).
INVALID_ATTRIBUTE_VALUE = "InvalidAttributeValue"
INVALID_ATTRIBUTE_NAME = "InvalidAttributeName"
INVALID_PARAMETER_VALUE = "InvalidParameterValue"


@dataclass(frozen=True, slots=True)
class AttributeRange:
    """The valid range of one integer queue attribute, and its unit for the hint."""

    minimum: int
    maximum: int
    unit: str


# SQS's documented ranges for CreateQueue's integer attributes.
ATTRIBUTE_RANGES: Mapping[str, AttributeRange] = {
    "VisibilityTimeout": AttributeRange(0, 43_200, "seconds"),
    "MessageRetentionPeriod": AttributeRange(60, 1_209_600, "seconds"),
    "DelaySeconds": AttributeRange(0, 900, "seconds"),
    "MaximumMessageSize": AttributeRange(1_024, 262_144, "bytes"),
    "ReceiveMessageWaitTimeSeconds": AttributeRange(0, 20, "seconds"),
}
# Keys a queue entry may have that headrace uses (the ignored ones are on QueueConfig).
QUEUE_KEYS = frozenset(
    {*ATTRIBUTE_RANGES, "RedrivePolicy", "FifoQueue", "ContentBasedDeduplication"}
)
# The two attributes of SQS's RedrivePolicy, both mandatory.
REDRIVE_KEYS = frozenset({"deadLetterTargetArn", "maxReceiveCount"})
# RedrivePolicy.maxReceiveCount, as SQS bounds it.
MAX_RECEIVE_COUNT_RANGE = AttributeRange(1, 1_000, "receives")


def validate_queues(
    problems: Problems, raw: Mapping[str, Any], region: str, account: str
) -> dict[str, QueueConfig]:
    """Check every queue, then every RedrivePolicy's target; return the queues that passed."""
    built: dict[str, QueueConfig] = {}
    for name, data in raw.items():
        queue = validate_queue(problems.at(f"queues.{name}"), str(name), data)
        if queue is not None:
            built[queue.name] = queue
    for name, queue in list(built.items()):
        if queue.redrive_policy is not None:
            scope = problems.at(f"queues.{name}")
            if not _redrive_target_ok(scope, queue, raw, built, region, account):
                del built[name]
    return built


def validate_queue(scope: Scope, name: str, data: Any) -> QueueConfig | None:
    """One queue's attributes (the CreateQueue API checks its requests with this too);
    None, with its problems in ``scope``, if any is wrong."""
    data = read_entry(scope, data, "queue attributes")
    if data is None:
        return None
    before = scope.count()
    check_keys(scope, data, QUEUE_KEYS, QueueConfig.IGNORED_KEYS)
    for key, limits in ATTRIBUTE_RANGES.items():
        if key in data:
            _attribute_int(scope, key, data[key], limits)
    fifo = _attribute_bool(scope, data, "FifoQueue")
    _attribute_bool(scope, data, "ContentBasedDeduplication")
    if "ContentBasedDeduplication" in data and not fifo:
        message = "Unknown Attribute ContentBasedDeduplication."
        scope.add("ContentBasedDeduplication", INVALID_ATTRIBUTE_NAME, message)
    name_problem = queue_name_problem(name, bool(fifo))
    if name_problem is not None:
        scope.add(None, INVALID_PARAMETER_VALUE, name_problem)
    policy = _redrive_policy(scope, data.get("RedrivePolicy"))
    if scope.count() != before:
        return None
    return QueueConfig.from_aws(name, {**data, "RedrivePolicy": policy})


def _attribute_int(scope: Scope, key: str, value: Any, limits: AttributeRange) -> int | None:
    """An integer attribute (int or digit string) in range, else SQS's InvalidAttributeValue."""
    number = _as_int(value)
    if number is not None and limits.minimum <= number <= limits.maximum:
        return number
    message = (
        f"Invalid value for the parameter {key}. Valid values: an integer from "
        f"{limits.minimum} to {limits.maximum} ({limits.unit}); got {quoted(value)}."
    )
    scope.add(key, INVALID_ATTRIBUTE_VALUE, message)
    return None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _attribute_bool(scope: Scope, data: Mapping[str, Any], key: str) -> bool | None:
    """A boolean attribute: true/false or the strings "true"/"false", as SQS takes them."""
    if key not in data:
        return None
    value = data[key]
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    message = (
        f"Invalid value for the parameter {key}. Valid values: true, false; got {quoted(value)}."
    )
    scope.add(key, INVALID_ATTRIBUTE_VALUE, message)
    return None


def _redrive_policy(scope: Scope, value: Any) -> dict[str, Any] | None:
    """The RedrivePolicy as a mapping (SQS also takes it as a JSON string), or None."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, Mapping):
        message = (
            "RedrivePolicy must be a mapping (or a JSON object) with deadLetterTargetArn "
            "and maxReceiveCount."
        )
        scope.add("RedrivePolicy", INVALID_PARAMETER_VALUE, message)
        return None
    check_keys(scope.nested("RedrivePolicy"), value, REDRIVE_KEYS)
    for key in sorted(REDRIVE_KEYS):
        if key not in value:
            reason = f"Redrive policy does not contain mandatory attribute: {key}."
            scope.add("RedrivePolicy", INVALID_PARAMETER_VALUE, _redrive_message(value, reason))
    count = value.get("maxReceiveCount")
    if count is not None and not _in_range(_as_int(count), MAX_RECEIVE_COUNT_RANGE):
        reason = (
            f"Invalid value for maxReceiveCount: {count}, valid values are from 1 to 1000 "
            "both inclusive."
        )
        scope.add("RedrivePolicy", INVALID_PARAMETER_VALUE, _redrive_message(value, reason))
    target = value.get("deadLetterTargetArn")
    if target is not None and not isinstance(target, str):
        reason = "Dead letter target does not exist."
        scope.add("RedrivePolicy", INVALID_PARAMETER_VALUE, _redrive_message(value, reason))
    return dict(value)


def _in_range(number: int | None, limits: AttributeRange) -> bool:
    return number is not None and limits.minimum <= number <= limits.maximum


def _redrive_target_ok(
    scope: Scope,
    queue: QueueConfig,
    raw: Mapping[str, Any],
    built: Mapping[str, QueueConfig],
    region: str,
    account: str,
) -> bool:
    """The dead-letter target must be a declared queue of the same type (FIFO or standard)."""
    policy = queue.redrive_policy
    assert policy is not None  # callers check
    target_arn = policy.dead_letter_target_arn
    parsed = arnlib.parse(target_arn)
    local = parsed is not None and (parsed.service, parsed.region, parsed.account) == (
        "sqs",
        region,
        account,
    )
    target_name = target_arn.rsplit(":", 1)[-1]
    if local and target_name in raw and target_name not in built:
        return True  # the target has problems of its own; do not pile on
    target = built.get(target_name) if local else None
    if target is None:
        reason = "Dead letter target does not exist."
    elif target.fifo_queue != queue.fifo_queue:
        reason = "Dead-letter queue must be same type of queue as the source."
    else:
        return True
    scope.add("RedrivePolicy", INVALID_PARAMETER_VALUE, _redrive_message(policy.to_aws(), reason))
    return False


def _redrive_message(policy: Mapping[str, Any], reason: str) -> str:
    text = json.dumps(dict(policy), separators=(",", ":"), default=str)
    return f"Value {text} for parameter RedrivePolicy is invalid. Reason: {reason}"
