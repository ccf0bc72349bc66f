"""headrace.yaml: the frozen config model, its loader and its validation."""

from __future__ import annotations

from headrace.config.load import ConfigReport, check_config, load_config, read_config
from headrace.config.model import (
    STARTING_POSITIONS,
    Config,
    EventSourceMappingConfig,
    FunctionConfig,
    QueueConfig,
    RedrivePolicy,
    SelfManagedEventSource,
    SourceAccessConfiguration,
    SourceDefaults,
    SourceKind,
)
from headrace.config.resources import (
    AttributeDefinition,
    KeySchemaElement,
    StreamConfig,
    StreamSpecification,
    TableConfig,
)
from headrace.config.validate_files import validate_files

__all__ = [
    "STARTING_POSITIONS",
    "AttributeDefinition",
    "Config",
    "ConfigReport",
    "EventSourceMappingConfig",
    "FunctionConfig",
    "KeySchemaElement",
    "QueueConfig",
    "RedrivePolicy",
    "SelfManagedEventSource",
    "SourceAccessConfiguration",
    "SourceDefaults",
    "SourceKind",
    "StreamConfig",
    "StreamSpecification",
    "TableConfig",
    "check_config",
    "load_config",
    "read_config",
    "validate_files",
]
