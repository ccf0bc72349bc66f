"""What a mapping points at: its function and its event source, resolved against the file.

An ARN in the config's own region and account can only name an embedded resource, so one
that names nothing declared gets the error AWS gives for a missing queue or stream
(§1.6.11, §1.6.12). Any other ARN is a real AWS resource and is accepted here. A resource
that is declared but has problems of its own resolves without a further complaint, so one
mistake is reported once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from headrace.config.kinds import SOURCE_FIELDS, Home, ResolvedSource, Unresolved, recognise
from headrace.config.model import Config, FunctionConfig
from headrace.config.problems import (
    INVALID_PARAMETER,
    Scope,
    read_str,
    require,
)

# §1.6.1, §1.6.2, §1.6.11 and §1.6.12: the texts AWS returns.
UNRECOGNIZED_SOURCE = "Unrecognized event source."
# A self-managed source no kind reads (headrace's own text; AWS would run it).
SELF_MANAGED_NOT_SUPPORTED = (
    "a self-managed Apache Kafka cluster (SelfManagedEventSource) is not supported yet: "
    "no source kind of headrace reads it."
)
FUNCTION_NOT_FOUND = "Function does not exist"
# Qualifier that means "the function itself"; headrace has no versions or aliases.
LATEST = "$LATEST"


@dataclass(frozen=True, slots=True)
class Declared:
    """The file's resources: those that passed (in ``config``) and every declared name."""

    config: Config  # region, account, and the queues, streams, tables and functions built
    queues: frozenset[str]
    streams: frozenset[str]
    tables: frozenset[str]
    functions: frozenset[str]


@dataclass(frozen=True, slots=True)
class ResolvedFunction:
    """The declared function a mapping's FunctionName names."""

    name: str
    config: FunctionConfig | None  # None when the function has problems of its own


def resolve_function(
    scope: Scope, data: Mapping[str, Any], declared: Declared
) -> ResolvedFunction | None:
    """The declared function FunctionName names, or None after recording why (§1.6.2)."""
    if not require(scope, data, "FunctionName"):
        return None
    text = read_str(scope, data, "FunctionName")
    if text is None:
        return None
    name = function_name(text, declared.config)
    if name is None or name not in declared.functions:
        scope.add("FunctionName", INVALID_PARAMETER, FUNCTION_NOT_FOUND)
        return None
    return ResolvedFunction(name=name, config=declared.config.functions.get(name))


def function_name(text: str, config: Config) -> str | None:
    """The bare name in ``name``, ``name:$LATEST`` or this config's function ARN, else None."""
    prefix = f"arn:aws:lambda:{config.region}:{config.account}:function:"
    partial = f"{config.account}:function:"
    for lead in (prefix, partial):
        if text.startswith(lead):
            text = text[len(lead) :]
            break
    name, colon, qualifier = text.partition(":")
    if colon and qualifier != LATEST:
        return None
    return name


def resolve_source(
    scope: Scope, data: Mapping[str, Any], declared: Declared
) -> ResolvedSource | None:
    """The source the mapping's source fields name, or None after recording why (§1.6.1,
    §1.6.11-12). A kind may recognise a source without an EventSourceArn (a self-managed
    one); with none recognising it, the ARN is unrecognized, or, without one, the
    self-managed source is named as not supported yet."""
    source_arn = data.get("EventSourceArn")
    if source_arn is not None and not isinstance(source_arn, str):
        read_str(scope, data, "EventSourceArn")
        return None
    fields = {key: data[key] for key in SOURCE_FIELDS if data.get(key)}
    kind = recognise(fields, Home(declared.config.region, declared.config.account))
    if kind is None:
        if not source_arn and "SelfManagedEventSource" in fields:
            scope.add("SelfManagedEventSource", INVALID_PARAMETER, SELF_MANAGED_NOT_SUPPORTED)
        else:
            scope.add("EventSourceArn", INVALID_PARAMETER, UNRECOGNIZED_SOURCE)
        return None
    resolved = kind.resolve(source_arn or "", declared.config, declared)
    if isinstance(resolved, Unresolved):
        scope.add("EventSourceArn", INVALID_PARAMETER, resolved.message)
        return None
    return resolved


def check_visibility_timeout(
    scope: Scope, function: ResolvedFunction | None, source: ResolvedSource | None
) -> None:
    """§1.6.10: the function's Timeout must not exceed the embedded queue's VisibilityTimeout."""
    if function is None or function.config is None or source is None or source.queue is None:
        return
    timeout, visibility = function.config.timeout, source.queue.visibility_timeout
    if timeout > visibility:
        message = (
            f"Queue visibility timeout: {visibility} seconds is less than "
            f"Function timeout: {timeout} seconds"
        )
        scope.add("EventSourceArn", INVALID_PARAMETER, message)


def duplicate_message(source: ResolvedSource, function: str, first_uuid: str) -> str:
    """§1.6.15: AWS's ResourceConflictException text, naming the first mapping's UUID."""
    return source.kind.duplicate_message(source.arn, function, first_uuid)
