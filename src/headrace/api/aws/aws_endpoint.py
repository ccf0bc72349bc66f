"""The AWS APIs' HTTP handler: route, check the size, decode, call the service, encode.

Whatever a client sends, the answer is an AWS-shaped error or a result: a body over the
limit is refused before it is parsed, a malformed one is a 400 in the service's own error
shape, and an unexpected failure inside a service is a 500 ``InternalFailure`` logged with
its traceback — never a dropped connection or a crashed run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from headrace.api.aws.aws_call import AwsCall, AwsService
from headrace.api.aws.service_models import operation_model, service_model
from headrace.api.aws.service_routing import FORM, Protocol, Target, Unroutable, route
from headrace.api.aws.signatures import check_signature
from headrace.api.aws.wire_json import decode_json_request, encode_json_error, encode_json_response
from headrace.api.aws.wire_query import (
    decode_query_request,
    encode_query_error,
    encode_query_response,
)
from headrace.api.aws.wire_rest import decode_rest_request, encode_rest_error, encode_rest_response
from headrace.config.model import EndpointAuth
from headrace.errors import AwsError, ValidationException

log = logging.getLogger("headrace.api")

# The largest request body read (DynamoDB's BatchWriteItem and Kinesis's PutRecords are the
# largest requests served, 16 MB and 10 MB); a larger one is refused unread.
MAX_BODY_BYTES = 16 * 1024 * 1024 + 64 * 1024
WireAnswer = tuple[int, dict[str, str], bytes]


class InternalFailure(AwsError):
    code = "InternalFailure"
    http_status = 500


class UnknownOperationException(AwsError):
    code = "UnknownOperationException"
    http_status = 400


class RequestEntityTooLarge(AwsError):
    code = "RequestEntityTooLarge"
    http_status = 413


class AwsEndpoint:
    """Serves the given services' operations over HTTP (an aiohttp handler)."""

    def __init__(self, services: Iterable[AwsService], *, auth: EndpointAuth | None = None) -> None:
        # With credentials, every request must be SigV4-signed with them (off loopback).
        self._auth = auth
        self.services: dict[str, AwsService] = {s.service_name: s for s in services}
        self._protocols: dict[str, Protocol] = {name: _protocol(name) for name in self.services}

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one request; never raises."""
        status, headers, body = await self.answer(request)
        return web.Response(status=status, headers=headers, body=body)

    async def answer(self, request: web.Request) -> WireAnswer:
        try:
            raw = await _read_body(request)
        except RequestEntityTooLarge as error:
            return _error_for(self._guess(request), "json", error)
        form = _form(request, raw)
        try:
            target = route(
                self._protocols,
                method=request.method,
                path=request.path,
                headers=request.headers,
                action=form.get("Action") if form is not None else None,
                query_credential=request.query.get("X-Amz-Credential"),
            )
        except Unroutable as unroutable:
            service = unroutable.service if unroutable.service in self.services else None
            protocol = self._protocols.get(service or "", "json")
            try:
                self._check_signature(service or "", request, raw)
            except AwsError as refused:
                return _error_for(service, protocol, refused)
            unknown = UnknownOperationException(unroutable.message)
            return _error_for(service, protocol, unknown)
        try:
            self._check_signature(target.service, request, raw)
            return await self._call(target, request, raw, form or {})
        except AwsError as error:
            return _error_for(target.service, target.protocol, error)
        except Exception:
            log.exception("%s.%s failed", target.service, target.operation)
            failure = InternalFailure(
                "The request processing has failed because of an unknown error."
            )
            return _error_for(target.service, target.protocol, failure)

    async def _call(
        self, target: Target, request: web.Request, raw: bytes, form: Mapping[str, str]
    ) -> WireAnswer:
        service = self.services[target.service]
        model = operation_model(target.service, target.operation)
        method = service.operation(target.operation) if model is not None else None
        if model is None or method is None:
            raise UnknownOperationException(
                f"headrace does not serve {service_model(target.service).service_id} "
                f"operation {target.operation[:100]!r}; docs/api.md lists what it serves."
            )
        missing = service.missing_parameter
        if target.protocol == "json":
            params = decode_json_request(model, raw, missing)
        elif target.protocol == "query":
            params = decode_query_request(model, form, missing)
        else:
            query: dict[str, list[str]] = {}
            for key, value in request.query.items():
                query.setdefault(key, []).append(value)
            params = decode_rest_request(model, target.labels, query, request.headers, raw, missing)
        call = AwsCall(
            target.operation,
            params,
            host=request.headers.get("Host", request.host),
            region=target.region,
            headers=dict(request.headers),
        )
        result: Any = await method(call)
        if target.protocol == "json":
            return encode_json_response(target.service, model, result)
        if target.protocol == "query":
            return encode_query_response(target.service, model, result)
        return encode_rest_response(model, result)

    def _check_signature(self, service: str, request: web.Request, raw: bytes) -> None:
        if self._auth is None:
            return
        host = request.headers.get("Host", request.host)
        check_signature(
            self._auth,
            service=service,
            method=request.method,
            url=f"http://{host}{request.raw_path}",
            headers=request.headers,
            body=raw,
        )

    def _guess(self, request: web.Request) -> str | None:
        prefix = request.headers.get("X-Amz-Target", "").partition(".")[0]
        for name in self.services:
            if prefix and service_model(name).metadata.get("targetPrefix") == prefix:
                return name
        return None


async def _read_body(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise RequestEntityTooLarge(f"Request body larger than {MAX_BODY_BYTES} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise RequestEntityTooLarge(f"Request body larger than {MAX_BODY_BYTES} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def _form(request: web.Request, raw: bytes) -> dict[str, str] | None:
    """A query-protocol request's parameters (body or query string), or None if it is none."""
    if request.headers.get("X-Amz-Target"):
        return None
    if request.content_type == FORM:
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            return None
        form = dict(pairs)
        return form if "Action" in form else None
    if "Action" in request.query:
        return dict(request.query)
    return None


def _protocol(service: str) -> Protocol:
    found = str(service_model(service).metadata.get("protocol", "json"))
    return "rest" if found == "rest-json" else "json"


def _error_for(service: str | None, protocol: Protocol, error: AwsError) -> WireAnswer:
    if service is None:
        import msgspec

        body = msgspec.json.encode({"__type": error.code, "message": error.message})
        return error.http_status, {"Content-Type": "application/x-amz-json-1.0"}, body
    if protocol == "query":
        return encode_query_error(service, error)
    if protocol == "rest":
        return encode_rest_error(service, error)
    return encode_json_error(service, error)


def missing_member(path: str) -> AwsError:
    """AWS's usual wording for a missing required member (JSON and REST services)."""
    camel = ".".join(part[:1].lower() + part[1:] for part in path.split("."))
    return ValidationException(
        f"1 validation error detected: Value null at '{camel}' failed to satisfy "
        "constraint: Member must not be null"
    )
