"""Where each source keeps the payload that patterns may look inside (§6.5).

* SQS: ``body`` is a string. Valid JSON is matched as parsed JSON by object patterns;
  anything else is matched as the plain string by value-array patterns. A JSON body under a
  value-array pattern, or a plain body under an object pattern, never matches.
* Kinesis: ``kinesis.data`` is base64. Patterns name it ``data`` at the top level and see
  the decoded JSON; data that is not JSON never matches a ``data`` pattern.
* DynamoDB Streams: no payload; patterns see the record as delivered.

Every other key of the record stays visible to patterns under its own path.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from headrace.config import SourceKind
from headrace.esm.filters.tree import NOT_JSON, LazyPayload, PayloadMode
from headrace.esm.filters.values import decode


def _decode_json(raw: str) -> Any:
    try:
        return decode(raw)
    except msgspec.DecodeError:
        return NOT_JSON


def _decode_base64_json(raw: str) -> Any:
    try:
        return decode(base64.b64decode(raw, validate=True))
    except (binascii.Error, ValueError, msgspec.DecodeError):
        return NOT_JSON


def _sqs_body(record: Mapping[str, Any]) -> Any:
    return record.get("body")


def _kinesis_data(record: Mapping[str, Any]) -> Any:
    kinesis = record.get("kinesis")
    return kinesis.get("data") if isinstance(kinesis, Mapping) else None


@dataclass(frozen=True, slots=True)
class PayloadRule:
    """How one source exposes its payload to patterns under ``key``."""

    key: str
    extract: Callable[[Mapping[str, Any]], Any]
    decode: Callable[[str], Any]
    plain_text: bool  # value-array patterns may match a non-JSON payload as a string

    def mode_for(self, pattern_is_object: bool) -> PayloadMode:
        """The payload format a pattern of this shape requires."""
        if pattern_is_object or not self.plain_text:
            return PayloadMode.JSON
        return PayloadMode.PLAIN

    def view(self, record: Mapping[str, Any]) -> Mapping[str, Any]:
        """``record`` with ``key`` bound to the lazily decoded payload (a shallow copy)."""
        raw = self.extract(record)
        if type(raw) is not str:
            return record
        view = dict(record)
        view[self.key] = LazyPayload(raw, self.decode)
        return view


PAYLOAD_RULES: Mapping[SourceKind, PayloadRule | None] = {
    SourceKind.SQS: PayloadRule(
        key="body", extract=_sqs_body, decode=_decode_json, plain_text=True
    ),
    SourceKind.KINESIS: PayloadRule(
        key="data", extract=_kinesis_data, decode=_decode_base64_json, plain_text=False
    ),
    SourceKind.DYNAMODB: None,
}
