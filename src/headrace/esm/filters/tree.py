"""The matcher tree a pattern compiles into, and the rules it follows on the hot path.

A pattern object becomes an :class:`ObjectMatcher` (keys ANDed, ``$or`` alternatives);
a value array becomes a :class:`LeafMatcher` (literals and conditions ORed); a nested object
becomes a :class:`NestedField`. Matching follows EventBridge (§6.2–§6.4):

* a key the event lacks, or whose value is an object, has no leaf value: only
  ``exists: false`` matches it (``exists`` works on leaf nodes only);
* an array in the event matches if any of its leaf values matches; an array of objects
  matches a nested pattern if any one element matches all of it;
* a nested pattern over a missing or scalar value sees an empty object, so
  ``{"a": {"b": [{"exists": false}]}}`` matches an event without ``a``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from headrace.esm.filters.operators import Condition
from headrace.esm.filters.values import MISSING, SCALAR_TYPES, iter_scalars, literal_key

# What a nested pattern sees when the event has no object at its key.
_EMPTY: Mapping[str, Any] = {}


class Node(Protocol):
    """Anything that can judge the value found at one key of the event."""

    def matches(self, value: Any) -> bool:
        """True if ``value`` (possibly ``MISSING``) satisfies this part of the pattern."""
        ...


@dataclass(frozen=True, slots=True)
class LeafMatcher:
    """A pattern value array: exact literals (by type and text) or any of the conditions."""

    literals: frozenset[Hashable]
    conditions: tuple[Condition, ...]
    matches_absent: bool  # an ``{"exists": false}`` is among the alternatives

    def matches(self, value: Any) -> bool:
        cls = type(value)
        if cls in SCALAR_TYPES:
            return self.matches_scalar(value)
        if cls is list:
            found = False
            for item in iter_scalars(value):
                if self.matches_scalar(item):
                    return True
                found = True
            return not found and self.matches_absent
        return self.matches_absent

    def matches_scalar(self, value: Any) -> bool:
        """True if one present leaf value equals a literal or passes a condition."""
        if self.literals and literal_key(value) in self.literals:
            return True
        return any(c.test(value) for c in self.conditions)


@dataclass(frozen=True, slots=True)
class ObjectMatcher:
    """A pattern object: every field must match, and one alternative of ``$or`` if any."""

    fields: tuple[tuple[str, Node], ...]
    alternatives: tuple[ObjectMatcher, ...] = ()

    def matches(self, value: Mapping[str, Any]) -> bool:
        get = value.get
        for key, node in self.fields:
            if not node.matches(get(key, MISSING)):
                return False
        return not self.alternatives or any(alt.matches(value) for alt in self.alternatives)


@dataclass(frozen=True, slots=True)
class NestedField:
    """A key whose pattern is itself an object."""

    matcher: ObjectMatcher

    def matches(self, value: Any) -> bool:
        if isinstance(value, Mapping):
            return self.matcher.matches(value)
        if type(value) is list:
            # Scalars first, by exact type: the ABC check costs a microsecond per element.
            objects = [
                item
                for item in value
                if type(item) not in SCALAR_TYPES and isinstance(item, Mapping)
            ]
            if objects:
                return any(self.matcher.matches(item) for item in objects)
        return self.matcher.matches(_EMPTY)


class _NotJson:
    """The decoded value of a payload that is not valid JSON."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_JSON"


NOT_JSON: Any = _NotJson()


class LazyPayload:
    """A record's payload (SQS ``body``, Kinesis ``data``), decoded once, on first use.

    Several patterns of one mapping share it, so a body is parsed at most once per record,
    and not at all if every pattern fails on a cheaper key first.
    """

    __slots__ = ("_decode", "_value", "raw")

    def __init__(self, raw: str, decode: Callable[[str], Any]) -> None:
        self.raw = raw
        self._decode = decode
        self._value: Any = MISSING

    def value(self) -> Any:
        """The decoded JSON value, or ``NOT_JSON``."""
        if self._value is MISSING:
            self._value = self._decode(self.raw)
        return self._value


class PayloadMode(enum.Enum):
    """Which payload formats a pattern on the payload key accepts (§6.5)."""

    JSON = "json"  # object pattern, or any pattern on Kinesis data: payload must be JSON
    PLAIN = "plain"  # SQS value-array pattern on body: body must not be JSON


@dataclass(frozen=True, slots=True)
class PayloadField:
    """The payload key: checks the payload's format, then matches its decoded value."""

    inner: Node
    mode: PayloadMode

    def matches(self, value: Any) -> bool:
        if type(value) is not LazyPayload:
            return self.inner.matches(value)
        decoded = value.value()
        if decoded is NOT_JSON:
            return self.mode is PayloadMode.PLAIN and self.inner.matches(value.raw)
        return self.mode is PayloadMode.JSON and self.inner.matches(decoded)
