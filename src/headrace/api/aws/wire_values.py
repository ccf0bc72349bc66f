"""Shape-driven conversion between wire values and the Python values services use.

Decoding checks each value's JSON type against its shape (a wrong type is AWS's
``SerializationException``, never a crash), decodes base64 blobs to bytes and timestamps to
``datetime``, drops members the model does not know, and reports a missing required member
through the service's own wording. Encoding turns bytes into base64 and ``datetime`` into
epoch seconds, and leaves out ``None``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable
from typing import Any

from botocore.model import Shape

from headrace.errors import AwsError

# Reports a missing required member; gets the member's path ("Entries.0.Id").
MissingMember = Callable[[str], AwsError]


class SerializationException(AwsError):
    """The request's body is not what the operation's model says (JSON services' name)."""

    code = "SerializationException"
    http_status = 400


def decode_input(shape: Shape | None, value: Any, missing: MissingMember) -> dict[str, Any]:
    """The operation input ``value`` (parsed JSON) checked and converted by ``shape``."""
    if shape is None:
        return {}
    if value is None:
        value = {}
    decoded = _decode(shape, value, "", missing)
    assert isinstance(decoded, dict)
    return decoded


def _decode(shape: Shape, value: Any, path: str, missing: MissingMember) -> Any:
    kind = shape.type_name
    if kind == "structure":
        members = _expect(value, dict, shape, path)
        result: dict[str, Any] = {}
        for name, member in shape.members.items():
            if name in members and members[name] is not None:
                result[name] = _decode(member, members[name], _join(path, name), missing)
        for name in shape.required_members:
            if name not in result:
                raise missing(_join(path, name))
        return result
    if kind == "list":
        items = _expect(value, list, shape, path)
        member = shape.member
        return [_decode(member, v, f"{path}.{i}", missing) for i, v in enumerate(items)]
    if kind == "map":
        entries = _expect(value, dict, shape, path)
        value_shape = shape.value
        return {str(k): _decode(value_shape, v, f"{path}.{k}", missing) for k, v in entries.items()}
    return decode_scalar(shape, value, path)


def decode_scalar(shape: Shape, value: Any, path: str) -> Any:
    """One scalar: strings, numbers, booleans, base64 blobs and timestamps."""
    kind = shape.type_name
    if kind == "string":
        return _expect(value, str, shape, path)
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong(shape, path)
        return value
    if kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _wrong(shape, path)
        return value
    if kind == "boolean":
        return _expect(value, bool, shape, path)
    if kind == "blob":
        if isinstance(value, bytes):
            return value
        try:
            return base64.b64decode(_expect(value, str, shape, path), validate=True)
        except (binascii.Error, ValueError):
            raise SerializationException(f"Base64 encoded value expected at {path}") from None
    if kind == "timestamp":
        return _timestamp(value, shape, path)
    return value


def _timestamp(value: Any, shape: Shape, path: str) -> dt.datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(value, dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise _wrong(shape, path) from None
    text = _expect(value, str, shape, path)
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = dt.datetime.fromtimestamp(float(text), dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise _wrong(shape, path) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _expect(value: Any, kind: type, shape: Shape, path: str) -> Any:
    if not isinstance(value, kind):
        raise _wrong(shape, path)
    return value


def _wrong(shape: Shape, path: str) -> SerializationException:
    where = path or "the request"
    return SerializationException(f"Unexpected value type at {where}: expected {shape.type_name}")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def encode_output(shape: Shape | None, value: Any) -> Any:
    """An operation's output made JSON-ready by ``shape``: base64 blobs, epoch timestamps."""
    if shape is None or value is None:
        return value
    kind = shape.type_name
    if kind == "structure":
        members = shape.members
        return {
            name: encode_output(members.get(name), v)
            for name, v in value.items()
            if v is not None and name in members
        }
    if kind == "list":
        return [encode_output(shape.member, v) for v in value]
    if kind == "map":
        return {k: encode_output(shape.value, v) for k, v in value.items()}
    if kind == "blob" and isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if kind == "timestamp" and isinstance(value, dt.datetime):
        return value.timestamp()
    return value
