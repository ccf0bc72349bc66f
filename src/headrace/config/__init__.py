"""headrace.yaml: the frozen config model and its loader."""

from __future__ import annotations

from headrace.config.model import (
    SOURCE_DEFAULTS,
    Config,
    EventSourceMappingConfig,
    FunctionConfig,
    QueueConfig,
    RedrivePolicy,
    SourceDefaults,
    SourceKind,
)

__all__ = [
    "SOURCE_DEFAULTS",
    "Config",
    "EventSourceMappingConfig",
    "FunctionConfig",
    "QueueConfig",
    "RedrivePolicy",
    "SourceDefaults",
    "SourceKind",
]
