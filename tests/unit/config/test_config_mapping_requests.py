"""API requests for mappings checked by the config's own checks (check_request)."""

from __future__ import annotations

from pathlib import Path

import pytest

from headrace.config.model import Config, EventSourceMappingConfig, FunctionConfig, QueueConfig
from headrace.config.validate_mappings import check_request, first_problem
from headrace.errors import (
    ConfigProblem,
    InvalidParameterValueException,
    ResourceConflictException,
    ValidationException,
)

ARN = "arn:aws:sqs:us-east-1:000000000000:orders"
UUID = "12345678-0000-4000-8000-000000000000"  # an API create's own UUID


def config() -> Config:
    function = FunctionConfig(name="fn", handler="h.handle", code_uri=Path("."))
    return Config(
        path=Path("headrace.yaml"),
        queues={"orders": QueueConfig(name="orders")},
        functions={"fn": function},
    )


def test_a_valid_request_builds_the_mapping_with_the_bare_function_name() -> None:
    """A full function ARN names the declared function; the UUID given is kept."""
    fn_arn = "arn:aws:lambda:us-east-1:000000000000:function:fn"
    fields = {"FunctionName": fn_arn, "EventSourceArn": ARN, "UUID": UUID}
    mapping = check_request(config(), fields, [])
    assert (mapping.function_name, mapping.event_source_arn, mapping.uuid) == ("fn", ARN, UUID)


def test_a_second_mapping_of_the_pair_is_a_conflict_naming_the_first() -> None:
    """§1.6.15: the existing mapping's UUID is in the message."""
    first = EventSourceMappingConfig.from_aws({"FunctionName": "fn", "EventSourceArn": ARN})
    fields = {"FunctionName": "fn", "EventSourceArn": ARN, "UUID": UUID}
    with pytest.raises(ResourceConflictException, match=first.uuid):
        check_request(config(), fields, [first])


def test_shape_problems_come_first_then_the_destination_then_the_rest() -> None:
    """§1.6.3: the destination check precedes the function look-up; ValidationException
    (shape) precedes both."""
    found = [
        ConfigProblem("f", "InvalidParameterValueException", "Function does not exist"),
        ConfigProblem(
            "f",
            "InvalidParameterValueException",
            "Unsupported DestinationConfig parameter for given event source mapping type.",
        ),
    ]
    assert first_problem(found).message.startswith("Unsupported DestinationConfig")
    shape = ConfigProblem("f", "ValidationException", "1 validation error detected")
    error = first_problem([*found, shape])
    assert isinstance(error, ValidationException)
    assert isinstance(first_problem(found[:1]), InvalidParameterValueException)
