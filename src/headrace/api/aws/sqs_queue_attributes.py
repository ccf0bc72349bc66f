"""Queue attributes over the API: CreateQueue's and SetQueueAttributes' checked as the file's
``queues:`` entries are (:func:`headrace.config.validate_queues.validate_queue`, SQS's
messages), and GetQueueAttributes' selection by name.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from headrace.api.aws.service_models import service_model
from headrace.config.model import QueueConfig
from headrace.config.problems import Problems
from headrace.config.validate_queues import (
    INVALID_ATTRIBUTE_NAME,
    INVALID_ATTRIBUTE_VALUE,
    QUEUE_KEYS,
    validate_queue,
)
from headrace.errors import (
    AwsError,
    InvalidAttributeName,
    InvalidAttributeValue,
    InvalidParameterValue,
)

# What CreateQueue takes: the attributes headrace uses and those it accepts and ignores.
SETTABLE = QUEUE_KEYS | QueueConfig.IGNORED_KEYS - {"Tags"}


def unknown_attribute(name: str) -> InvalidAttributeName:
    """SQS's error for an attribute name it does not know."""
    return InvalidAttributeName(f"Unknown Attribute {name[:256]}.")


def created_config(name: str, attributes: Mapping[str, str]) -> QueueConfig:
    """CreateQueue: the queue ``name`` with ``attributes``, or SQS's error for them."""
    _check_names(attributes)
    return _config(name, dict(attributes))


def changed_config(existing: QueueConfig, attributes: Mapping[str, str]) -> QueueConfig:
    """SetQueueAttributes: ``existing`` with ``attributes`` applied (RedrivePolicy "" removes
    it); FifoQueue cannot change, as on SQS."""
    _check_names(attributes)
    if "FifoQueue" in attributes:
        raise unknown_attribute("FifoQueue")
    data: dict[str, Any] = {**existing.to_aws(), **attributes}
    if not existing.fifo_queue:
        data.pop("FifoQueue", None)
    if data.get("RedrivePolicy") == "":
        del data["RedrivePolicy"]
    return _config(existing.name, data)


def given_attributes(attributes: Mapping[str, str]) -> Collection[str]:
    """The attributes a CreateQueue of an existing queue is compared on."""
    return [key for key in attributes if key in QUEUE_KEYS]


def selected_attributes(every: Mapping[str, str], names: Sequence[str] | None) -> dict[str, str]:
    """GetQueueAttributes: the attributes ``names`` ask for ("All": every one)."""
    known = _queue_attribute_names()
    for name in names or ():
        if name not in known:
            raise unknown_attribute(name)
    if not names:
        return {}
    if "All" in names:
        return dict(every)
    return {name: every[name] for name in names if name in every}


def _check_names(attributes: Mapping[str, str]) -> None:
    for key in attributes:
        if key not in SETTABLE:
            raise unknown_attribute(key)


def _config(name: str, data: Mapping[str, Any]) -> QueueConfig:
    problems = Problems(file="")
    config = validate_queue(problems.at(""), name, data)
    if config is not None:
        return config
    first = problems.found[0]
    raise _error(first.code, first.message)


def _error(code: str, message: str) -> AwsError:
    if code == INVALID_ATTRIBUTE_NAME:
        return InvalidAttributeName(message)
    if code == INVALID_ATTRIBUTE_VALUE:
        return InvalidAttributeValue(message)
    return InvalidParameterValue(message)


def _queue_attribute_names() -> frozenset[str]:
    return frozenset(service_model("sqs").shape_for("QueueAttributeName").enum)
