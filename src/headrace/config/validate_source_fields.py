"""Checks of a mapping's source fields besides EventSourceArn (self-managed Kafka, Kafka
topics, Amazon MQ queues, source access configurations).

A field applies only when the mapping's kind reads it (``SourceDefaults.source_fields``);
otherwise it is rejected as today, in one line per field. A self-managed source no kind
recognises is reported once, by :func:`~headrace.config.validate_links.resolve_source`, so
its companion fields (Topics, SourceAccessConfigurations) add nothing. Shapes and ranges
follow the API model of CreateEventSourceMapping (§1.2), in AWS's ValidationException
wording.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from headrace.config.kinds import SOURCE_FIELDS, Home, SourceKind, recognise
from headrace.config.problems import (
    INVALID_PARAMETER,
    VALIDATION,
    Scope,
    check_keys,
    member_name,
    read_enum,
    read_list,
    read_section,
    read_str,
    require,
    validation_message,
)

# The source fields other than the ARN.
OTHER_SOURCE_FIELDS = tuple(key for key in SOURCE_FIELDS if key != "EventSourceArn")
# Limits of the API model (§1.2): one topic or queue, up to 23 access configurations,
# one or two endpoint lists of 1-10 host:port endpoints.
TOPIC = re.compile(r"[^.]([a-zA-Z0-9\-_.]+)")
ENDPOINT = re.compile(
    r"(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])\.)*"
    r"([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\-]*[A-Za-z0-9]):[0-9]{1,5}"
)
URI = re.compile(r"[ a-zA-Z0-9-\/*:_+=.@-]*")
MAX_ACCESS_CONFIGURATIONS = 23
MAX_ENDPOINTS = 10
ENDPOINT_TYPES = ("KAFKA_BOOTSTRAP_SERVERS",)
SOURCE_ACCESS_TYPES = (
    "BASIC_AUTH",
    "VPC_SUBNET",
    "VPC_SECURITY_GROUP",
    "SASL_SCRAM_512_AUTH",
    "SASL_SCRAM_256_AUTH",
    "VIRTUAL_HOST",
    "CLIENT_CERTIFICATE_TLS_AUTH",
    "SERVER_ROOT_CA_CERTIFICATE",
    "OAUTHBEARER_AUTH",
    "OAUTHBEARER_SCOPE",
    "OAUTHBEARER_AUDIENCE",
    "OAUTHBEARER_LOGICAL_CLUSTER",
    "OAUTHBEARER_IDENTITY_POOL",
    "IAM_AUTH",
    "IAM_OAUTHBEARER_AUTH",
)
NOT_RUN = (
    "{key} applies to Kafka, Amazon MQ and DocumentDB event sources, which headrace does not run."
)


def source_kind(data: Mapping[str, Any], home: Home) -> SourceKind | None:
    """The kind the mapping's source fields name, before resolution (no problems)."""
    return recognise({key: data[key] for key in SOURCE_FIELDS if data.get(key)}, home)


def self_managed_unsupported(data: Mapping[str, Any], kind: SourceKind | None) -> bool:
    """A self-managed source without an ARN that no kind reads (reported once elsewhere)."""
    return kind is None and not data.get("EventSourceArn") and "SelfManagedEventSource" in data


def check_source_fields(scope: Scope, data: Mapping[str, Any], kind: SourceKind | None) -> None:
    """Each source field the kind does not read is rejected; those it reads are checked."""
    if self_managed_unsupported(data, kind):
        return
    read = kind.defaults.source_fields if kind is not None else frozenset()
    for key in (k for k in OTHER_SOURCE_FIELDS if k in data):
        if key not in read:
            scope.add(key, INVALID_PARAMETER, NOT_RUN.format(key=key))
    if "SelfManagedEventSource" in read:
        _check_self_managed(scope, data)
    if "Topics" in read:
        _check_names(scope, data, "Topics", 249, TOPIC)
    if "Queues" in read:
        _check_names(scope, data, "Queues", 1000, None)
    if "SourceAccessConfigurations" in read:
        _check_access(scope, data)


def _check_self_managed(scope: Scope, data: Mapping[str, Any]) -> None:
    section = read_section(scope, data, "SelfManagedEventSource", ("Endpoints",))
    if section is None:
        return
    where, source = section
    if not require(where, source, "Endpoints"):
        return
    endpoints = read_section(where, source, "Endpoints", ENDPOINT_TYPES)
    if endpoints is None:
        return
    at, lists = endpoints
    for key in (k for k in ENDPOINT_TYPES if k in lists):
        _check_list(at, lists, key, MAX_ENDPOINTS, 300, ENDPOINT)


def _check_names(
    scope: Scope, data: Mapping[str, Any], key: str, longest: int, pattern: re.Pattern[str] | None
) -> None:
    """Topics or Queues: exactly one name (§1.2)."""
    _check_list(scope, data, key, 1, longest, pattern)


def _check_list(
    scope: Scope,
    data: Mapping[str, Any],
    key: str,
    most: int,
    longest: int,
    pattern: re.Pattern[str] | None,
) -> None:
    items = read_list(scope, data, key)
    if items is None:
        return
    member = member_name(scope.prefix + key)
    if not 1 <= len(items) <= most:
        constraint = f"Member must have length between 1 and {most}"
        scope.add(key, VALIDATION, validation_message(items, member, constraint))
        return
    for item in items:
        if not isinstance(item, str) or not 1 <= len(item) <= longest:
            constraint = f"Member must be a string of length between 1 and {longest}"
        elif pattern is not None and not pattern.fullmatch(item):
            constraint = f"Member must satisfy regular expression pattern: {pattern.pattern}"
        else:
            continue
        scope.add(key, VALIDATION, validation_message(item, member, constraint))
        return


def _check_access(scope: Scope, data: Mapping[str, Any]) -> None:
    entries = read_list(scope, data, "SourceAccessConfigurations")
    if entries is None:
        return
    if len(entries) > MAX_ACCESS_CONFIGURATIONS:
        member = member_name(scope.prefix + "SourceAccessConfigurations")
        constraint = f"Member must have length less than or equal to {MAX_ACCESS_CONFIGURATIONS}"
        scope.add(
            "SourceAccessConfigurations",
            VALIDATION,
            validation_message(entries, member, constraint),
        )
    for index, entry in enumerate(entries):
        where = scope.nested(f"SourceAccessConfigurations[{index}]")
        if not isinstance(entry, Mapping):
            where.add(None, VALIDATION, "expected a mapping with a Type and a URI")
            continue
        check_keys(where, entry, ("Type", "URI"))
        if require(where, entry, "Type"):
            read_enum(where, entry, "Type", SOURCE_ACCESS_TYPES)
        uri = read_str(where, entry, "URI")
        if uri is not None and not (1 <= len(uri) <= 200 and URI.fullmatch(uri)):
            constraint = f"Member must satisfy regular expression pattern: {URI.pattern}"
            where.add(
                "URI",
                VALIDATION,
                validation_message(uri, member_name(where.prefix + "URI"), constraint),
            )
