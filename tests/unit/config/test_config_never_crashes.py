"""Whatever the YAML holds, reading it gives problems, never a Python traceback."""

from __future__ import annotations

from typing import Any

from config_docs import Write, base_document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headrace.config import read_config

KEYS = st.sampled_from(
    [
        "BatchSize",
        "EventSourceArn",
        "FunctionName",
        "StartingPosition",
        "FilterCriteria",
        "Filters",
        "Pattern",
        "DestinationConfig",
        "OnFailure",
        "Destination",
        "ScalingConfig",
        "RedrivePolicy",
        "deadLetterTargetArn",
        "maxReceiveCount",
        "Handler",
        "Environment",
        "Variables",
        "KeySchema",
        "AttributeDefinitions",
        "StreamSpecification",
        "FifoQueue",
        "StartingPositionTimestamp",
        "x",
    ]
)
SCALARS = st.none() | st.booleans() | st.integers(-5, 20_000) | st.floats(allow_nan=False)
TEXT = st.sampled_from(["", "orders.handler", "arn:aws:sqs:us-east-1:111111111111:orders", "{"])
VALUES = st.recursive(
    SCALARS | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)
# Entries shaped like the real thing (a mapping of known keys) reach the deeper checks.
ENTRIES = st.dictionaries(KEYS, VALUES, max_size=6)
SECTIONS = st.sampled_from(["queues", "streams", "tables", "functions", "mappings", "top"])


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(section=SECTIONS, value=VALUES | ENTRIES)
def test_any_value_anywhere_is_a_problem_not_a_crash(
    write: Write, section: str, value: Any
) -> None:
    """design: a bad type anywhere is a clear problem, never a Python traceback."""
    document = base_document()
    if section == "mappings":
        document["event_source_mappings"] = [value]
    elif section == "top":
        document["aws"] = value
    else:
        document[section]["x-1"] = value
    write(document)
    report = read_config("headrace.yaml")
    assert report.config is not None
