"""Frozen config objects whose fields map one-to-one to AWS's names.

Each class has ``from_aws(mapping)`` (AWS-cased keys, as in headrace.yaml or an AWS API
call) and ``to_aws()`` (back to AWS-cased keys, defaults included). These constructors only
convert shapes; range and combination checks live in :mod:`headrace.config.problems`, which
reports every problem at once with AWS's exception names and messages.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headrace import arn as arnlib
from headrace.config.kinds import (
    SOURCE_FIELDS,
    STARTING_POSITIONS,
    SourceDefaults,
    SourceKind,
    kind_for,
    recognise,
)
from headrace.config.resources import (
    QueueConfig,
    RedrivePolicy,
    StreamConfig,
    TableConfig,
    boolean,
)
from headrace.config.source_fields import (
    SelfManagedEventSource,
    SourceAccessConfiguration,
    SourceFields,
    source_identity,
)

__all__ = [
    "MAPPING_UUID_NAMESPACE",
    "STARTING_POSITIONS",
    "Config",
    "EventSourceMappingConfig",
    "FunctionConfig",
    "QueueConfig",
    "RedrivePolicy",
    "SelfManagedEventSource",
    "SourceAccessConfiguration",
    "SourceDefaults",
    "SourceKind",
    "StreamConfig",
    "TableConfig",
]

# Namespace for deterministic mapping UUIDs: the same function + source gives the same UUID
# on every start, so checkpoints, metrics labels and `status` stay stable across restarts.
MAPPING_UUID_NAMESPACE = uuidlib.UUID("6f1d8a8e-2f4c-4b9e-9a57-6b2f0c7e5a11")


@dataclass(frozen=True, kw_only=True, slots=True)
class FunctionConfig:
    """A function, as AWS::Lambda::Function (plus SAM's ``CodeUri``) declares it."""

    name: str
    handler: str  # "" when the function's kind takes none (its kind validates it)
    code_uri: Path
    timeout: int = 3  # seconds, Lambda's default
    memory_size: int = 128  # MB, Lambda's default
    reserved_concurrent_executions: int | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    role: str | None = None
    # Lambda's Runtime as written (python3.12, ...); None when absent. With the other keys
    # in kind_fields() it picks the function kind (headrace.functions.kinds) that runs it.
    runtime: str | None = None
    # headrace's enforce_memory (top level of the file, not an AWS key): kill a worker
    # that holds more than memory_size, as Lambda does.
    enforce_memory: bool = True

    # Keys of AWS::Lambda::Function / AWS::Serverless::Function that headrace accepts and
    # does not use; anything else is rejected as a likely typo.
    IGNORED_KEYS = frozenset(
        {
            "Layers",
            "Description",
            "Architectures",
            "DeadLetterConfig",
            "EphemeralStorage",
            "FileSystemConfigs",
            "ImageConfig",
            "KmsKeyArn",
            "LoggingConfig",
            "PackageType",
            "RecursiveLoop",
            "RuntimeManagementConfig",
            "SnapStartConfig",
            "Tags",
            "TracingConfig",
            "VpcConfig",
            "CodeSigningConfigArn",
            "FunctionName",
        }
    )

    @classmethod
    def from_aws(
        cls, name: str, data: Mapping[str, Any], base_dir: Path, *, enforce_memory: bool = True
    ) -> FunctionConfig:
        """Build from AWS::Lambda::Function keys; ``enforce_memory`` is the file's setting."""
        env = (data.get("Environment") or {}).get("Variables") or {}
        reserved = data.get("ReservedConcurrentExecutions")
        return cls(
            name=name,
            handler=str(data.get("Handler", "")),  # "" for a kind that needs none
            code_uri=(base_dir / str(data.get("CodeUri", "."))).resolve(),
            timeout=int(data.get("Timeout", 3)),
            memory_size=int(data.get("MemorySize", 128)),
            reserved_concurrent_executions=None if reserved is None else int(reserved),
            environment={str(k): str(v) for k, v in env.items()},
            role=None if data.get("Role") is None else str(data["Role"]),
            runtime=None if data.get("Runtime") is None else str(data["Runtime"]),
            enforce_memory=enforce_memory,
        )

    def kind_fields(self) -> dict[str, Any]:
        """The AWS keys a function kind is recognised by, as the file gave them."""
        return {} if self.runtime is None else {"Runtime": self.runtime}

    def to_aws(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Handler": self.handler,
            "CodeUri": str(self.code_uri),
            "Timeout": self.timeout,
            "MemorySize": self.memory_size,
        }
        if self.reserved_concurrent_executions is not None:
            out["ReservedConcurrentExecutions"] = self.reserved_concurrent_executions
        if self.environment:
            out["Environment"] = {"Variables": dict(self.environment)}
        if self.role is not None:
            out["Role"] = self.role
        if self.runtime is not None:
            out["Runtime"] = self.runtime
        return out


@dataclass(frozen=True, kw_only=True, slots=True)
class EventSourceMappingConfig:
    """One event source mapping, with the fields of CreateEventSourceMapping.

    Fields that do not apply to a source (stream-only fields on a queue mapping) stay at
    ``None`` and are left out of :meth:`to_aws`, as AWS leaves them out of its responses.
    """

    function_name: str
    event_source_arn: str  # "" for a source named by SelfManagedEventSource instead
    uuid: str
    enabled: bool = True
    batch_size: int = 10
    maximum_batching_window_in_seconds: int = 0
    filter_criteria: tuple[str, ...] = ()  # the Pattern strings of FilterCriteria.Filters
    function_response_types: tuple[str, ...] = ()
    maximum_concurrency: int | None = None  # ScalingConfig.MaximumConcurrency
    # Stream-only fields (None on queue mappings).
    parallelization_factor: int | None = None
    starting_position: str | None = None
    starting_position_timestamp: float | None = None
    on_failure_destination: str | None = None  # DestinationConfig.OnFailure.Destination
    maximum_record_age_in_seconds: int | None = None
    bisect_batch_on_function_error: bool | None = None
    maximum_retry_attempts: int | None = None
    tumbling_window_in_seconds: int | None = None
    metrics: tuple[str, ...] = ()  # MetricsConfig.Metrics
    # Source fields besides the ARN (self-managed Kafka, Kafka topics, Amazon MQ queues);
    # kept as given for the kinds that read them (config/source_fields.py).
    self_managed_event_source: SelfManagedEventSource | None = None
    topics: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()
    source_access_configurations: tuple[SourceAccessConfiguration, ...] = ()

    @property
    def source_kind(self) -> SourceKind | None:
        """The kind by the source fields alone: for an embedded resource, the real kind of
        the same service, whose defaults and payload rule are the same. ``kind_for(config,
        mapping)`` tells embedded from real."""
        return recognise(self.source_fields())

    def source_fields(self) -> dict[str, Any]:
        """The AWS-named fields that name the source (what kinds recognise), absent ones
        left out."""
        out: dict[str, Any] = {}
        if self.event_source_arn:
            out["EventSourceArn"] = self.event_source_arn
        return out | self._other_source_fields().to_aws()

    def _other_source_fields(self) -> SourceFields:
        return SourceFields(
            self.self_managed_event_source,
            self.topics,
            self.queues,
            self.source_access_configurations,
        )

    @property
    def report_batch_item_failures(self) -> bool:
        return "ReportBatchItemFailures" in self.function_response_types

    @staticmethod
    def default_uuid(function_name: str, event_source_arn: str) -> str:
        """A UUID that stays the same for the same function and source across restarts."""
        return str(uuidlib.uuid5(MAPPING_UUID_NAMESPACE, f"{function_name}\n{event_source_arn}"))

    @classmethod
    def from_aws(cls, data: Mapping[str, Any]) -> EventSourceMappingConfig:
        """Build from CreateEventSourceMapping fields, filling per-source defaults."""
        function_name = str(data["FunctionName"])
        source_arn = str(data.get("EventSourceArn") or "")
        source = {k: data[k] for k in SOURCE_FIELDS if data.get(k)}
        kind = recognise(source)
        defaults = kind.defaults if kind else None
        identity = source_identity(source)
        kwargs: dict[str, Any] = {
            "function_name": function_name,
            "event_source_arn": source_arn,
            "uuid": str(data.get("UUID") or cls.default_uuid(function_name, identity)),
            "enabled": boolean(data.get("Enabled", True)),
            "batch_size": int(data.get("BatchSize", defaults.batch_size if defaults else 10)),
            "maximum_batching_window_in_seconds": int(
                data.get("MaximumBatchingWindowInSeconds", 0)
            ),
            "filter_criteria": tuple(
                str(f.get("Pattern", "")) if isinstance(f, Mapping) else str(f)
                for f in ((data.get("FilterCriteria") or {}).get("Filters") or [])
            ),
            "function_response_types": tuple(data.get("FunctionResponseTypes") or ()),
            "metrics": tuple((data.get("MetricsConfig") or {}).get("Metrics") or ()),
        }
        scaling = data.get("ScalingConfig") or {}
        if "MaximumConcurrency" in scaling:
            kwargs["maximum_concurrency"] = int(scaling["MaximumConcurrency"])
        if defaults is not None and defaults.is_stream:
            kwargs.update(_stream_fields(data))
        kwargs.update(SourceFields.from_aws(data).as_kwargs())
        return cls(**kwargs)

    def to_aws(self) -> dict[str, Any]:
        out: dict[str, Any] = {"UUID": self.uuid, "FunctionName": self.function_name}
        out |= self.source_fields()
        out |= {
            "Enabled": self.enabled,
            "BatchSize": self.batch_size,
            "MaximumBatchingWindowInSeconds": self.maximum_batching_window_in_seconds,
            "FunctionResponseTypes": list(self.function_response_types),
        }
        if self.filter_criteria:
            out["FilterCriteria"] = {"Filters": [{"Pattern": p} for p in self.filter_criteria]}
        if self.maximum_concurrency is not None:
            out["ScalingConfig"] = {"MaximumConcurrency": self.maximum_concurrency}
        if self.metrics:
            out["MetricsConfig"] = {"Metrics": list(self.metrics)}
        if self.parallelization_factor is not None:
            out.update(
                {
                    "ParallelizationFactor": self.parallelization_factor,
                    "StartingPosition": self.starting_position,
                    "MaximumRecordAgeInSeconds": self.maximum_record_age_in_seconds,
                    "BisectBatchOnFunctionError": self.bisect_batch_on_function_error,
                    "MaximumRetryAttempts": self.maximum_retry_attempts,
                    "TumblingWindowInSeconds": self.tumbling_window_in_seconds,
                    "DestinationConfig": {
                        "OnFailure": (
                            {"Destination": self.on_failure_destination}
                            if self.on_failure_destination
                            else {}
                        )
                    },
                }
            )
            if self.starting_position_timestamp is not None:
                out["StartingPositionTimestamp"] = self.starting_position_timestamp
        return out


def _stream_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The stream-only fields with the defaults AWS records (§1.3.2)."""
    on_failure = ((data.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    timestamp = data.get("StartingPositionTimestamp")
    return {
        "parallelization_factor": int(data.get("ParallelizationFactor", 1)),
        "starting_position": data.get("StartingPosition"),
        "starting_position_timestamp": None if timestamp is None else float(timestamp),
        "on_failure_destination": on_failure or None,
        "maximum_record_age_in_seconds": int(data.get("MaximumRecordAgeInSeconds", -1)),
        "bisect_batch_on_function_error": boolean(data.get("BisectBatchOnFunctionError", False)),
        "maximum_retry_attempts": int(data.get("MaximumRetryAttempts", -1)),
        "tumbling_window_in_seconds": int(data.get("TumblingWindowInSeconds", 0)),
    }


@dataclass(frozen=True, slots=True)
class EndpointAuth:
    """The run endpoint's credentials (``auth:`` in the file, or HEADRACE_ACCESS_KEY_ID and
    HEADRACE_SECRET_ACCESS_KEY): every AWS request must be SigV4-signed with them."""

    access_key_id: str
    secret_access_key: str = field(repr=False)


@dataclass(frozen=True, kw_only=True, slots=True)
class Config:
    """A whole headrace.yaml."""

    path: Path  # the file it came from (errors name it; relative paths resolve against it)
    region: str = arnlib.DEFAULT_REGION
    account: str = arnlib.DEFAULT_ACCOUNT
    data_dir: Path = Path(".headrace")
    # Concurrency of a function without ReservedConcurrentExecutions; raised to 5 per
    # queue mapping of that function so AWS's initial five concurrent batches fit (§5.6).
    default_concurrency: int = 10
    # Kill a function's worker that holds more than its MemorySize, as Lambda does; false
    # lets handlers use what they like (MemorySize is then only reported).
    enforce_memory: bool = True
    endpoint_url: str | None = None  # aws: {endpoint_url: ...}
    # auth: {...}: the credentials the endpoint checks signatures against (off loopback).
    auth: EndpointAuth | None = None
    queues: Mapping[str, QueueConfig] = field(default_factory=dict)
    streams: Mapping[str, StreamConfig] = field(default_factory=dict)
    tables: Mapping[str, TableConfig] = field(default_factory=dict)
    functions: Mapping[str, FunctionConfig] = field(default_factory=dict)
    event_source_mappings: tuple[EventSourceMappingConfig, ...] = ()

    def queue_arn(self, name: str) -> str:
        return arnlib.sqs_queue(self.region, self.account, name)

    def is_local(self, resource_arn: str, service: str) -> bool:
        """Whether an ARN of ``service`` is in this config's region and account.

        Such an ARN can only name an embedded resource; any other ARN is a real AWS one.
        """
        parsed = arnlib.parse(resource_arn)
        return (
            parsed is not None
            and parsed.service == service
            and (parsed.region, parsed.account) == (self.region, self.account)
        )

    def queue_by_arn(self, queue_arn: str) -> QueueConfig | None:
        """The embedded queue an ARN names, or None (a real AWS queue or a typo)."""
        if not self.is_local(queue_arn, "sqs"):
            return None
        return self.queues.get(queue_arn.rsplit(":", 1)[1])

    def stream_by_arn(self, stream_arn: str) -> StreamConfig | None:
        """The embedded stream a Kinesis stream (or consumer) ARN names, or None."""
        parsed = arnlib.parse(stream_arn)
        if parsed is None or not self.is_local(stream_arn, "kinesis"):
            return None
        return self.streams.get(parsed.resource_name)

    def table_by_arn(self, table_or_stream_arn: str) -> TableConfig | None:
        """The embedded table a table ARN or table-stream ARN names, or None."""
        parsed = arnlib.parse(table_or_stream_arn)
        if parsed is None or not self.is_local(table_or_stream_arn, "dynamodb"):
            return None
        return self.tables.get(parsed.resource_name)

    def function_concurrency(
        self, name: str, mappings: Iterable[EventSourceMappingConfig] | None = None
    ) -> int:
        """How many workers a function may run at once (its ReservedConcurrentExecutions).

        Without a reservation: ``default_concurrency``, raised so every mapping of the
        function can run at once — five batches per queue mapping (§5.6) and one lane per
        shard and ParallelizationFactor for embedded streams and tables (§5.2). The
        mappings counted are ``mappings`` (a run's live ones), by default the file's.
        """
        function = self.functions[name]
        if function.reserved_concurrent_executions is not None:
            return function.reserved_concurrent_executions
        counted = self.event_source_mappings if mappings is None else mappings
        wanted = sum(self._lanes(m) for m in counted if m.function_name == name)
        return max(self.default_concurrency, wanted)

    def _lanes(self, mapping: EventSourceMappingConfig) -> int:
        """How many batches a mapping can have in flight at the start."""
        kind = kind_for(self, mapping)
        return kind.lanes(self, mapping) if kind is not None else 1
