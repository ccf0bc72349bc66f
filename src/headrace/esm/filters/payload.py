"""How patterns look inside a record's payload, by the rule its source kind gives (§6.5).

The kind says where its payload is and how to unwrap it (:class:`PayloadSource`); this
module decodes it lazily as JSON, once per record, only when a pattern needs it. For
example SQS's ``body`` is a string (valid JSON is matched as parsed JSON by object
patterns; anything else as the plain string by value-array patterns), Kinesis's
``kinesis.data`` is base64 that patterns name ``data``, and DynamoDB Streams has no payload
rule: patterns see the record as delivered.

Every other key of the record stays visible to patterns under its own path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from headrace.esm.filters.tree import NOT_JSON, LazyPayload, PayloadMode
from headrace.esm.filters.values import decode


class PayloadSpec(Protocol):
    """A source kind's payload rule, as the engine needs it."""

    @property
    def key(self) -> str:
        """The name patterns use for the payload."""
        ...

    @property
    def plain_text(self) -> bool:
        """Whether value-array patterns may match a non-JSON payload as a string."""
        ...

    def extract(self, record: Mapping[str, Any], /) -> Any:
        """The raw payload string in ``record`` (anything else: no payload)."""
        ...

    def unwrap(self, raw: str, /) -> str | bytes:
        """The text or bytes to parse as JSON; ``ValueError`` when it cannot be had."""
        ...


class PayloadSource(Protocol):
    """Anything that names a payload rule: a source kind."""

    @property
    def payload(self) -> PayloadSpec | None: ...


@dataclass(frozen=True, slots=True)
class PayloadRule:
    """How one source exposes its payload to patterns under ``key``."""

    spec: PayloadSpec

    @property
    def key(self) -> str:
        return self.spec.key

    def decode(self, raw: str) -> Any:
        """The payload as JSON, or ``NOT_JSON`` (which no payload pattern matches)."""
        try:
            return decode(self.spec.unwrap(raw))
        except ValueError:  # msgspec.DecodeError and binascii.Error are ValueErrors
            return NOT_JSON

    def mode_for(self, pattern_is_object: bool) -> PayloadMode:
        """The payload format a pattern of this shape requires."""
        if pattern_is_object or not self.spec.plain_text:
            return PayloadMode.JSON
        return PayloadMode.PLAIN

    def view(self, record: Mapping[str, Any]) -> Mapping[str, Any]:
        """``record`` with ``key`` bound to the lazily decoded payload (a shallow copy)."""
        raw = self.spec.extract(record)
        if type(raw) is not str:
            return record
        view = dict(record)
        view[self.spec.key] = LazyPayload(raw, self.decode)
        return view


def payload_rule(source: PayloadSource) -> PayloadRule | None:
    """The engine's rule for ``source``'s payload, or None when it has none."""
    spec = source.payload
    return None if spec is None else PayloadRule(spec)
