"""A mapping's source fields besides EventSourceArn, one-to-one with AWS's names.

CreateEventSourceMapping names a Kafka cluster run outside AWS by ``SelfManagedEventSource``
(``{"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["host:9092", ...]}}``) instead of an ARN, a
Kafka topic by ``Topics``, an Amazon MQ queue by ``Queues``, and the secrets and VPC parts
those need by ``SourceAccessConfigurations`` (§1.2). headrace has no kind that reads them
yet; config keeps them so a kind added later gets them as the user wrote them, and so
``to_aws`` gives back what ``from_aws`` took.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SelfManagedEventSource:
    """``SelfManagedEventSource``: endpoint lists by type (``KAFKA_BOOTSTRAP_SERVERS``)."""

    endpoints: tuple[tuple[str, tuple[str, ...]], ...]  # (type, endpoints), in file order

    @classmethod
    def from_aws(cls, data: Mapping[str, Any]) -> SelfManagedEventSource:
        endpoints = data.get("Endpoints") or {}
        return cls(tuple((str(k), tuple(str(e) for e in v)) for k, v in endpoints.items()))

    def to_aws(self) -> dict[str, Any]:
        return {"Endpoints": {kind: list(hosts) for kind, hosts in self.endpoints}}


@dataclass(frozen=True, slots=True)
class SourceAccessConfiguration:
    """One ``SourceAccessConfigurations`` entry: a ``Type`` and its ``URI`` (a secret's ARN,
    a subnet, a virtual host; some types, such as ``IAM_AUTH``, have none)."""

    type: str
    uri: str | None = None

    @classmethod
    def from_aws(cls, data: Mapping[str, Any]) -> SourceAccessConfiguration:
        uri = data.get("URI")
        return cls(str(data["Type"]), None if uri is None else str(uri))

    def to_aws(self) -> dict[str, Any]:
        out: dict[str, Any] = {"Type": self.type}
        if self.uri is not None:
            out["URI"] = self.uri
        return out


@dataclass(frozen=True, slots=True)
class SourceFields:
    """The source fields other than EventSourceArn, as the config model keeps them."""

    self_managed_event_source: SelfManagedEventSource | None = None
    topics: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()
    source_access_configurations: tuple[SourceAccessConfiguration, ...] = ()

    @classmethod
    def from_aws(cls, data: Mapping[str, Any]) -> SourceFields:
        managed = data.get("SelfManagedEventSource")
        access: Sequence[Mapping[str, Any]] = data.get("SourceAccessConfigurations") or ()
        return cls(
            self_managed_event_source=(
                None if managed is None else SelfManagedEventSource.from_aws(managed)
            ),
            topics=tuple(str(t) for t in data.get("Topics") or ()),
            queues=tuple(str(q) for q in data.get("Queues") or ()),
            source_access_configurations=tuple(
                SourceAccessConfiguration.from_aws(a) for a in access
            ),
        )

    def to_aws(self) -> dict[str, Any]:
        """AWS-named fields, the absent ones left out (as AWS leaves them out)."""
        out: dict[str, Any] = {}
        if self.self_managed_event_source is not None:
            out["SelfManagedEventSource"] = self.self_managed_event_source.to_aws()
        if self.topics:
            out["Topics"] = list(self.topics)
        if self.queues:
            out["Queues"] = list(self.queues)
        if self.source_access_configurations:
            out["SourceAccessConfigurations"] = [
                a.to_aws() for a in self.source_access_configurations
            ]
        return out

    def as_kwargs(self) -> dict[str, Any]:
        """The fields by name, for EventSourceMappingConfig's constructor."""
        return {
            "self_managed_event_source": self.self_managed_event_source,
            "topics": self.topics,
            "queues": self.queues,
            "source_access_configurations": self.source_access_configurations,
        }


def source_identity(source: Mapping[str, Any]) -> str:
    """What names a source for the stable UUID: the ARN, else the other source fields as
    canonical JSON (a self-managed cluster and topic)."""
    arn = source.get("EventSourceArn")
    if arn:
        return str(arn)
    return json.dumps(dict(source), sort_keys=True, separators=(",", ":"))
