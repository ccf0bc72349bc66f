"""AWS's query protocol: form-encoded requests and XML answers (SQS for older SDKs and tools).

The request is ``Action=SendMessage&QueueUrl=...&MessageAttribute.1.Name=...``; the answer is
``<SendMessageResponse><SendMessageResult>...</SendMessageResult><ResponseMetadata>...``.
The names of list items and map entries on the wire are the query protocol's: the model's
``locationName`` where it has one; otherwise, as SQS's query API names them, a list of
structures repeats the item's shape name (``SendMessageBatchRequestEntry``), any other list
or map repeats its member's name in the singular (``AttributeName``, ``Attribute``), and a
map entry is ``Name``/``Value`` (``Key``/``Value`` for tags).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from botocore.model import OperationModel, Shape

from headrace.api.aws.service_models import error_shapes, service_model
from headrace.api.aws.wire_values import MissingMember, decode_scalar
from headrace.errors import AwsError

WireAnswer = tuple[int, dict[str, str], bytes]
XML = "text/xml"
# Maps whose entries are Key/Value pairs on the wire (tags); every other map uses Name/Value.
_KEY_VALUE_MAPS = frozenset({"tags", "Tags"})


class MalformedQueryString(AwsError):
    """A query request's parameters cannot be read as the operation's input."""

    code = "MalformedQueryString"
    http_status = 400


def decode_query_request(
    operation: OperationModel, form: Mapping[str, str], missing: MissingMember
) -> dict[str, Any]:
    """The operation's input from a query request's parameters."""
    shape = operation.input_shape
    if shape is None:
        return {}
    decoded: dict[str, Any] = _structure(shape, form, "", missing)
    return decoded


def _structure(shape: Shape, form: Mapping[str, str], prefix: str, missing: MissingMember) -> Any:
    result: dict[str, Any] = {}
    for name, member in shape.members.items():
        value = _member(member, name, form, prefix, missing)
        if value is not None:
            result[name] = value
    for name in shape.required_members:
        if name not in result:
            raise missing(prefix + name)
    return result


def _member(
    shape: Shape, name: str, form: Mapping[str, str], prefix: str, missing: MissingMember
) -> Any:
    kind = shape.type_name
    if kind == "structure":
        key = prefix + shape.serialization.get("name", name)
        if not any(k.startswith(key + ".") for k in form):
            return None
        return _structure(shape, form, key + ".", missing)
    if kind == "list":
        return _list(shape, name, form, prefix, missing)
    if kind == "map":
        return _map(shape, name, form, prefix, missing)
    key = prefix + shape.serialization.get("name", name)
    if key not in form:
        return None
    return _scalar(shape, form[key], key)


def _list(
    shape: Shape, name: str, form: Mapping[str, str], prefix: str, missing: MissingMember
) -> list[Any] | None:
    member: Shape = shape.member
    if shape.serialization.get("flattened"):
        base = prefix + item_name(shape, name)
    else:
        base = prefix + shape.serialization.get("name", name) + ".member"
    items: list[Any] = []
    for index in range(1, len(form) + 2):
        key = f"{base}.{index}"
        if member.type_name == "structure":
            if not any(k.startswith(key + ".") for k in form):
                break
            items.append(_structure(member, form, key + ".", missing))
        elif key in form:
            items.append(_scalar(member, form[key], key))
        else:
            break
    return items or None


def _map(
    shape: Shape, name: str, form: Mapping[str, str], prefix: str, missing: MissingMember
) -> dict[str, Any] | None:
    key_name, value_name = entry_names(name)
    base = prefix + item_name(shape, name)
    value_shape: Shape = shape.value
    result: dict[str, Any] = {}
    for index in range(1, len(form) + 2):
        entry = f"{base}.{index}."
        if entry + key_name not in form:
            break
        if value_shape.type_name == "structure":
            value = _structure(value_shape, form, entry + value_name + ".", missing)
        else:
            value = _scalar(value_shape, form.get(entry + value_name, ""), entry + value_name)
        result[form[entry + key_name]] = value
    return result or None


def _scalar(shape: Shape, text: str, key: str) -> Any:
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("double", "float"):
            return float(text)
        if kind == "boolean":
            if text.lower() not in ("true", "false"):
                raise ValueError(text)
            return text.lower() == "true"
        if kind == "blob":
            return base64.b64decode(text, validate=True)
        return decode_scalar(shape, text, key)
    except (ValueError, binascii.Error):
        raise MalformedQueryString(f"Value {text[:80]!r} for parameter {key} is invalid.") from None


def item_name(shape: Shape, member_name: str) -> str:
    """The wire name of a flattened list's items or a map's entries (see the module doc)."""
    explicit = shape.serialization.get("name")
    inner = shape.member if shape.type_name == "list" else None
    if inner is not None and inner.serialization.get("name"):
        return str(inner.serialization["name"])
    if explicit and explicit != member_name:
        return str(explicit)
    if inner is not None and inner.type_name == "structure":
        return str(inner.name)
    singular = member_name[:-1] if member_name.endswith("s") else member_name
    return singular[:1].upper() + singular[1:]


def entry_names(member_name: str) -> tuple[str, str]:
    """A map entry's key and value element names."""
    return ("Key", "Value") if member_name in _KEY_VALUE_MAPS else ("Name", "Value")


def _xmlns(service: str) -> str:
    model = service_model(service)
    return f"http://queue.amazonaws.com/doc/{model.api_version}/"


def encode_query_response(service: str, operation: OperationModel, result: Any) -> WireAnswer:
    """200 with ``<OpResponse><OpResult>…</OpResult><ResponseMetadata>…`` as XML."""
    name = operation.name
    parts = [f'<?xml version="1.0"?><{name}Response xmlns="{_xmlns(service)}">']
    shape = operation.output_shape
    if shape is not None:
        parts.append(f"<{name}Result>")
        _encode_members(shape, result or {}, parts)
        parts.append(f"</{name}Result>")
    parts.append(f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>")
    parts.append(f"</{name}Response>")
    return 200, {"Content-Type": XML}, "".join(parts).encode()


def _encode_members(shape: Shape, value: Mapping[str, Any], parts: list[str]) -> None:
    members = shape.members
    for name, member in members.items():
        item = value.get(name)
        if item is not None:
            _encode(member, name, item, parts)


def _encode(shape: Shape, name: str, value: Any, parts: list[str]) -> None:
    kind = shape.type_name
    tag = shape.serialization.get("name", name)
    if kind == "list":
        member: Shape = shape.member
        if shape.serialization.get("flattened"):
            for item in value:
                _encode(member, item_name(shape, name), item, parts)
        else:
            parts.append(f"<{tag}>")
            for item in value:
                _encode(member, "member", item, parts)
            parts.append(f"</{tag}>")
        return
    if kind == "map":
        key_name, value_name = entry_names(name)
        entry = item_name(shape, name)
        for key, item in value.items():
            parts.append(f"<{entry}><{key_name}>{escape(str(key))}</{key_name}>")
            _encode(shape.value, value_name, item, parts)
            parts.append(f"</{entry}>")
        return
    if kind == "structure":
        parts.append(f"<{tag}>")
        _encode_members(shape, value, parts)
        parts.append(f"</{tag}>")
        return
    parts.append(f"<{tag}>{escape(_text(kind, value))}</{tag}>")


def _text(kind: str, value: Any) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "blob" and isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if kind == "timestamp" and isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return str(value)


def encode_query_error(service: str, error: AwsError) -> WireAnswer:
    """``<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>`` with its status."""
    _name, meta = error_shapes(service).get(error.code, (error.code, {}))
    code = str(meta.get("code", error.code))
    status = int(meta.get("httpStatusCode", error.http_status))
    fault = "Sender" if meta.get("senderFault", status < 500) else "Receiver"
    body = (
        f'<?xml version="1.0"?><ErrorResponse xmlns="{_xmlns(service)}"><Error>'
        f"<Type>{fault}</Type><Code>{escape(code)}</Code><Message>{escape(error.message)}"
        f"</Message><Detail/></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
    return status, {"Content-Type": XML}, body.encode()
