"""Source fields besides EventSourceArn: SelfManagedEventSource, Topics, Queues and
SourceAccessConfigurations (§1.2) round-trip, and a source no kind reads says so."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from config_docs import Loaded, Problems, queue_arn, with_mapping

from headrace.cli import main
from headrace.config import EventSourceMappingConfig
from headrace.config.kinds import kind_for
from headrace.sources.kinds import kind_table
from headrace.sources.kinds.kind_seam import Home, ResolvedSource, SourceDefaults

AT = "headrace.yaml: event_source_mappings[0] (f)"
KAFKA = {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["b1.example.com:9092", "b2.example.com:9092"]}}
SECRET = "arn:aws:secretsmanager:us-east-1:000000000000:secret:kafka"
ACCESS = [{"Type": "BASIC_AUTH", "URI": SECRET}, {"Type": "IAM_AUTH"}]
NOT_SUPPORTED = (
    f"{AT}: SelfManagedEventSource: InvalidParameterValueException: a self-managed Apache "
    "Kafka cluster (SelfManagedEventSource) is not supported yet: no source kind of headrace "
    "reads it."
)


def kafka_fields(**more: Any) -> dict[str, Any]:
    return {"SelfManagedEventSource": KAFKA, "Topics": ["orders"], **more}


def test_self_managed_fields_round_trip() -> None:
    """§1.2: the AWS names go in and come back out one-to-one; no EventSourceArn appears."""
    fields = kafka_fields(SourceAccessConfigurations=ACCESS)
    mapping = EventSourceMappingConfig.from_aws({"FunctionName": "f", **fields})
    assert mapping.event_source_arn == ""
    assert mapping.topics == ("orders",)
    out = mapping.to_aws()
    assert "EventSourceArn" not in out
    assert {key: out[key] for key in fields} == fields
    assert EventSourceMappingConfig.from_aws(out) == mapping


def test_amazon_mq_queues_round_trip() -> None:
    """§1.2: Queues (Amazon MQ) sits beside the broker's EventSourceArn."""
    broker = "arn:aws:mq:us-east-1:000000000000:broker:b:b-1234"
    data = {"FunctionName": "f", "EventSourceArn": broker, "Queues": ["jobs"]}
    out = EventSourceMappingConfig.from_aws(data).to_aws()
    assert (out["EventSourceArn"], out["Queues"]) == (broker, ["jobs"])


def test_an_arn_mapping_is_unchanged() -> None:
    """No source field is added to an SQS mapping's AWS form, and its UUID is as before."""
    mapping = EventSourceMappingConfig.from_aws({"FunctionName": "f", "EventSourceArn": "a"})
    out = mapping.to_aws()
    assert out["EventSourceArn"] == "a"
    assert not {"Topics", "Queues", "SelfManagedEventSource"} & set(out)
    assert mapping.uuid == EventSourceMappingConfig.default_uuid("f", "a")


def test_self_managed_uuids_are_stable_and_differ_by_topic() -> None:
    def uuid(topic: str) -> str:
        data = {"FunctionName": "f", **kafka_fields(Topics=[topic])}
        return EventSourceMappingConfig.from_aws(data).uuid

    assert uuid("a") == uuid("a")
    assert uuid("a") != uuid("b")


def test_self_managed_source_without_a_kind_is_one_line(problems: Problems) -> None:
    """No kind reads a self-managed cluster yet: one problem naming it, no companions."""
    document = with_mapping(**kafka_fields(SourceAccessConfigurations=ACCESS))
    assert problems(document) == [NOT_SUPPORTED]


def test_validate_exits_2_with_the_one_line(tmp_path: Path) -> None:
    """design.md "Bad input": exit 2, the problem on stderr."""
    path = tmp_path / "headrace.yaml"
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "orders.py").write_text("def handler(event, context):\n    return None\n")
    path.write_text(yaml.safe_dump(with_mapping(**kafka_fields())))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].endswith(NOT_SUPPORTED.removeprefix(f"{AT}"))


def test_topics_on_an_sqs_mapping_still_do_not_apply(problems: Problems) -> None:
    """§1.2: Kafka fields on a mapping whose kind does not read them are rejected."""
    assert problems(with_mapping(EventSourceArn=queue_arn("orders"), Queues=["q"])) == [
        f"{AT}: Queues: InvalidParameterValueException: Queues applies to Kafka, Amazon MQ "
        "and DocumentDB event sources, which headrace does not run."
    ]


# A kind for self-managed Kafka, as a later one would be: recognised with no ARN.
KAFKA_DEFAULTS = SourceDefaults(
    batch_size=100,
    max_batch_size=10_000,
    is_stream=True,
    display_name="self-managed Apache Kafka",
    source_fields=frozenset({"SelfManagedEventSource", "Topics", "SourceAccessConfigurations"}),
)


@dataclass(frozen=True)
class FakeKafkaKind:
    name = "fake-kafka"
    defaults = KAFKA_DEFAULTS
    payload = None

    def recognises(self, source: Mapping[str, Any], home: Home | None) -> bool:
        return "SelfManagedEventSource" in source and "EventSourceArn" not in source

    def resolve(self, arn: str, config: Any, declared: Any) -> ResolvedSource:
        return ResolvedSource(arn, self, KAFKA_DEFAULTS, None, "kafka")  # type: ignore[arg-type]

    def built(self, config: Any, arn: str) -> bool:
        return True

    def duplicate_message(self, arn: str, function: str, first_uuid: str) -> str:
        return f"duplicate of {first_uuid}"


@pytest.fixture
def kafka_kind(monkeypatch: pytest.MonkeyPatch) -> FakeKafkaKind:
    kind = FakeKafkaKind()
    monkeypatch.setattr(kind_table, "SOURCE_KINDS", (*kind_table.SOURCE_KINDS, kind))
    return kind


def test_a_kind_that_recognises_it_makes_the_mapping_valid(
    loaded: Loaded, kafka_kind: FakeKafkaKind
) -> None:
    """Recognition takes the whole mapping: no EventSourceArn needed when a kind answers."""
    document = with_mapping(**kafka_fields(SourceAccessConfigurations=ACCESS))
    config = loaded(document)
    (mapping,) = config.event_source_mappings
    assert mapping.event_source_arn == ""
    assert mapping.self_managed_event_source is not None
    assert mapping.self_managed_event_source.to_aws() == KAFKA
    assert kind_for(config, mapping) is kafka_kind
    assert mapping.batch_size == 100  # the kind's default


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            kafka_fields(Topics=["a", "b"]),
            "Topics: ValidationException: 1 validation error detected: Value '[a, b]' at "
            "'topics' failed to satisfy constraint: Member must have length between 1 and 1",
        ),
        (
            {"SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["nope"]}}},
            "SelfManagedEventSource.Endpoints.KAFKA_BOOTSTRAP_SERVERS: ValidationException: ",
        ),
        (
            kafka_fields(SourceAccessConfigurations=[{"Type": "PASSWORD"}]),
            "SourceAccessConfigurations[0].Type: ValidationException: ",
        ),
    ],
)
def test_fields_a_kind_reads_are_checked(
    problems: Problems, kafka_kind: FakeKafkaKind, fields: dict[str, Any], expected: str
) -> None:
    """§1.2: the API model's limits (one topic, host:port endpoints, the access types)."""
    found = problems(with_mapping(**fields))
    assert len(found) == 1
    assert found[0].startswith(f"{AT}: {expected}"), found
