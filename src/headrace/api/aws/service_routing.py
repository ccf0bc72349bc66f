"""Which service and operation a request is for, decided as AWS's own endpoints decide.

1. ``X-Amz-Target: <targetPrefix>.<Operation>`` names a JSON-protocol service and operation
   (SQS, Kinesis, DynamoDB, DynamoDB Streams).
2. Otherwise a form (``Action=...``, in the body or the query string) is the query protocol
   (SQS for older SDKs and tools).
3. Otherwise the method and path name a REST operation (Lambda's ``/2015-03-31/...``).
The service named in a SigV4 credential scope (``Credential=AKID/DATE/REGION/SERVICE/...``)
breaks ties and names the region.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from headrace.api.aws.aws_call import DEFAULT_REGION
from headrace.api.aws.service_models import service_model
from headrace.api.aws.wire_rest import match_route

Protocol = Literal["json", "query", "rest"]
FORM = "application/x-www-form-urlencoded"
_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")


@dataclass(frozen=True, slots=True)
class Target:
    """Where a request goes: ``service`` is botocore's name, ``operation`` the model's."""

    service: str
    protocol: Protocol
    operation: str
    labels: Mapping[str, str]
    region: str


class Unroutable(Exception):
    """No served service answers this request; ``service`` is the best guess, if any."""

    def __init__(self, message: str, service: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.service = service


def credential_scope(authorization: str | None, query_credential: str | None) -> tuple[str, str]:
    """``(region, service)`` from a SigV4 Authorization header or presigned ``X-Amz-Credential``."""
    text = authorization or ""
    if query_credential:
        text = f"Credential={query_credential}"
    found = _SCOPE.search(text)
    return (found.group(1), found.group(2)) if found else (DEFAULT_REGION, "")


def route(
    served: Mapping[str, Protocol],
    *,
    method: str,
    path: str,
    headers: Mapping[str, str],
    action: str | None,
    query_credential: str | None = None,
) -> Target:
    """The target of a request to one of the ``served`` services (name → its protocol)."""
    region, scope = credential_scope(headers.get("Authorization"), query_credential)
    target = headers.get("X-Amz-Target")
    if target:
        prefix, _, operation = target.partition(".")
        for name, protocol in served.items():
            if protocol == "json" and service_model(name).metadata.get("targetPrefix") == prefix:
                if scope and name != scope and _signing(name) != scope:
                    continue
                return Target(name, "json", operation, {}, region)
        raise Unroutable(f"No service answers X-Amz-Target {target[:100]!r}.", scope or None)
    if action is not None:
        for name in _preferring(served, scope):
            if "query" in _protocols(name):
                return Target(name, "query", action, {}, region)
        raise Unroutable(f"No query-protocol service answers Action={action[:100]!r}.", None)
    for name in _preferring(served, scope):
        if served[name] == "rest":
            found = match_route(name, method, path)
            if found is not None:
                return Target(name, "rest", found[0], found[1], region)
    raise Unroutable(f"No operation answers {method} {path[:200]}.", scope or None)


def _preferring(served: Mapping[str, Protocol], scope: str) -> list[str]:
    names = list(served)
    return sorted(names, key=lambda n: 0 if scope in (n, _signing(n)) else 1)


def _signing(service: str) -> str:
    return str(service_model(service).signing_name)


def _protocols(service: str) -> list[str]:
    metadata = service_model(service).metadata
    found = list(metadata.get("protocols", [metadata.get("protocol")]))
    # SQS speaks JSON since 2023 and is still "query compatible": it answers both.
    if metadata.get("awsQueryCompatible") is not None:
        found.append("query")
    return found
