"""AWS's REST-JSON protocol (Lambda): the operation is named by its HTTP method and path.

Members of the input come from the path (``{UUID}``), the query string, headers, a raw
payload (Invoke's ``Payload``) or the JSON body, as the model's ``location`` says; the
answer puts members in headers, the status code (Invoke's ``StatusCode``), a raw payload or a
JSON body the same way. An error is ``x-amzn-ErrorType: <code>`` with
``{"Type": "User", "Message": ...}``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import msgspec
from botocore.model import OperationModel, Shape

from headrace.api.aws.service_models import error_shapes, service_model
from headrace.api.aws.wire_query import MalformedQueryString
from headrace.api.aws.wire_values import (
    MissingMember,
    SerializationException,
    decode_input,
    encode_output,
)
from headrace.errors import AwsError

WireAnswer = tuple[int, dict[str, str], bytes]
JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    operation: str


@functools.cache
def routes(service: str) -> tuple[Route, ...]:
    """Every operation's method and path pattern, literal paths before templated ones."""
    model = service_model(service)
    found: list[tuple[int, Route]] = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        path = str(http.get("requestUri", "/")).split("?", 1)[0]
        regex = re.sub(r"\\\{(\w+)\\\+\\\}", r"(?P<\1>.+)", re.escape(path))
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", regex)
        route = Route(str(http.get("method", "POST")), re.compile(f"^{regex}/?$"), name)
        found.append((path.count("{"), route))
    return tuple(route for _, route in sorted(found, key=lambda pair: pair[0]))


def match_route(service: str, method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """The operation a method and path name, with the path's labels; None if none does."""
    for route in routes(service):
        if route.method == method:
            found = route.pattern.match(path)
            if found is not None:
                return route.operation, {k: unquote(v) for k, v in found.groupdict().items()}
    return None


def decode_rest_request(
    operation: OperationModel,
    labels: Mapping[str, str],
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    body: bytes,
    missing: MissingMember,
) -> dict[str, Any]:
    """The operation's input from the path labels, query string, headers and body."""
    shape = operation.input_shape
    if shape is None:
        return {}
    payload = shape.serialization.get("payload")
    merged: dict[str, Any] = {}
    if payload is None and body.strip():
        try:
            document = msgspec.json.decode(body)
        except msgspec.DecodeError:
            raise SerializationException("The request body is not valid JSON.") from None
        if not isinstance(document, dict):
            raise SerializationException("The request body must be a JSON object.")
        merged.update(document)
    for name, member in shape.members.items():
        value = _located(member, name, labels, query, headers, body, payload)
        if value is not None:
            merged[name] = value
    return decode_input(shape, merged, missing)


def _located(
    member: Shape,
    name: str,
    labels: Mapping[str, str],
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    body: bytes,
    payload: str | None,
) -> Any:
    location = member.serialization.get("location")
    wire = member.serialization.get("name", name)
    if location == "uri":
        return _from_text(member, labels[wire]) if wire in labels else None
    if location == "querystring":
        values = query.get(wire)
        if not values:
            return None
        if member.type_name == "list":
            return [_from_text(member.member, v) for v in values]
        return _from_text(member, values[0])
    if location == "header":
        return _from_text(member, headers[wire]) if wire in headers else None
    if name == payload:
        if member.type_name == "blob":
            return body
        return msgspec.json.decode(body) if body.strip() else None
    return None


def _from_text(shape: Shape, text: str) -> Any:
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind == "boolean":
            if text.lower() not in ("true", "false"):
                raise ValueError(text)
            return text.lower() == "true"
    except ValueError:
        raise MalformedQueryString(f"Value {text[:80]!r} is not a valid {kind}.") from None
    return text


def encode_rest_response(operation: OperationModel, result: Any) -> WireAnswer:
    """The output: located members in headers and the status, the rest as the body."""
    status = int(operation.http.get("responseCode", 200))
    headers: dict[str, str] = {"Content-Type": JSON}
    shape = operation.output_shape
    if shape is None:
        return status, headers, b""
    result = dict(result or {})
    payload = shape.serialization.get("payload")
    body_members: dict[str, Any] = {}
    body: bytes | None = None
    for name, member in shape.members.items():
        value = result.get(name)
        if value is None:
            continue
        location = member.serialization.get("location")
        if location == "statusCode":
            status = int(value)
        elif location == "header":
            headers[member.serialization.get("name", name)] = str(value)
        elif name == payload:
            body = value if isinstance(value, bytes) else msgspec.json.encode(value)
        else:
            body_members[name] = value
    if body is None:
        body = msgspec.json.encode(encode_output(shape, body_members))
    return status, headers, body


def encode_rest_error(service: str, error: AwsError) -> WireAnswer:
    """``x-amzn-ErrorType`` and ``{"Type", "Message"}`` with the modelled status."""
    name, meta = error_shapes(service).get(error.code, (error.code, {}))
    status = int(meta.get("httpStatusCode", error.http_status))
    kind = "User" if meta.get("senderFault", status < 500) else "Service"
    headers = {"Content-Type": JSON, "x-amzn-ErrorType": name}
    body = msgspec.json.encode({"Type": kind, "Message": error.message})
    return status, headers, body
