"""The source-kind registry: every kind fills the seam, and recognition is unambiguous."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from headrace.sources.kinds.kind_seam import Home, SourceKind
from headrace.sources.kinds.kind_table import SOURCE_KINDS, kind_named, kind_of_arn, recognise

RECORDINGS = Path("/work/shared/reference/aws-recordings")
# The recorded account; region and partition are placeholders there.
RECORDED_ACCOUNT = "111111111111"
REGION = "us-east-1"
SOURCE_KEYS = ("EventSourceArn", "eventSourceARN")


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in SOURCE_KEYS and isinstance(value, str):
                yield value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _concrete(arn: str) -> str:
    """A recorded ARN with its placeholders filled in."""
    arn = arn.replace("<partition>", "aws").replace("<region>", REGION)
    return re.sub(r"<([a-z-]+)(?::(\d+))?>", lambda m: f"{m[1]}{m[2] or ''}", arn)


def recorded_source_arns() -> list[str]:
    """Every event source ARN in the recordings (mappings and event records)."""
    if not RECORDINGS.is_dir():
        return []
    found: set[str] = set()
    for path in sorted(RECORDINGS.glob("*.json")):
        found.update(_walk(json.loads(path.read_text())))
    return sorted(_concrete(arn) for arn in found if arn.startswith("arn:"))


ARNS = recorded_source_arns()


def test_every_kind_satisfies_the_seam() -> None:
    """Each registered kind is a SourceKind with a unique name."""
    for kind in SOURCE_KINDS:
        assert isinstance(kind, SourceKind), kind
    names = [kind.name for kind in SOURCE_KINDS]
    assert len(names) == len(set(names))
    assert all(kind_named(name) is kind for name, kind in zip(names, SOURCE_KINDS, strict=True))


def test_the_recordings_name_every_service() -> None:
    """The recordings hold SQS, Kinesis and DynamoDB stream ARNs to check against."""
    if not ARNS:
        pytest.skip("reference recordings not present")
    services = {arn.split(":")[2] for arn in ARNS}
    assert {"sqs", "kinesis", "dynamodb"} <= services


@pytest.mark.parametrize("arn", ARNS or ["arn:aws:sqs:us-east-1:111111111111:q"])
@pytest.mark.parametrize(
    ("home", "embedded"),
    [
        (None, False),
        (Home(REGION, RECORDED_ACCOUNT), True),
        (Home(REGION, "000000000000"), False),
        (Home("eu-west-1", RECORDED_ACCOUNT), False),
    ],
)
def test_exactly_one_kind_recognises_each_recorded_arn(
    arn: str, home: Home | None, embedded: bool
) -> None:
    """§1.6.1: a recorded source ARN is one kind's; at home it is the embedded one."""
    source = {"EventSourceArn": arn}
    matching = [kind for kind in SOURCE_KINDS if kind.recognises(source, home)]
    assert len(matching) == 1, (arn, [kind.name for kind in matching])
    assert matching[0].name.startswith("embedded-") is embedded
    assert recognise(source, home) is matching[0]


@pytest.mark.parametrize(
    "arn",
    [
        "",
        "not an arn",
        "arn:aws:lambda:us-east-1:000000000000:function:f",
        "arn:aws:sns:us-east-1:000000000000:topic",
        "arn:aws:dynamodb:us-east-1:000000000000:global-table/x",
    ],
)
def test_other_arns_are_no_kind(arn: str) -> None:
    """§1.6.1: anything else is an unrecognized event source."""
    assert kind_of_arn(arn) is None
    assert kind_of_arn(arn, Home("us-east-1", "000000000000")) is None


def test_source_fields_other_than_an_arn_are_no_kind_yet() -> None:
    """Recognition reads the source fields, so SelfManagedEventSource can get a kind later."""
    source = {"SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["b:9092"]}}}
    assert recognise(source) is None


def test_embedded_and_real_kinds_of_a_service_share_defaults_and_payload() -> None:
    """§1.2, §6.5: where a queue or stream lives changes neither its limits nor its filters."""
    for embedded, real in (
        ("embedded-queue", "sqs"),
        ("embedded-stream", "kinesis"),
        ("embedded-table-stream", "dynamodb-streams"),
    ):
        assert kind_named(embedded).defaults == kind_named(real).defaults
        assert kind_named(embedded).payload == kind_named(real).payload
