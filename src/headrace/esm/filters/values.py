"""JSON values as filtering sees them: numbers keep the text they were written as.

EventBridge matches a pattern's number literal against an event's number by their text
(§6.4: "300, 300.0, and 3.0e2 are not considered equal") while numeric operators compare
values. The decoder here keeps every float literal's text beside its value, so both rules
hold for patterns and for the payloads headrace parses itself (SQS ``body``, Kinesis
``data``). Floats that arrive already decoded (DynamoDB's ``ApproximateCreationDateTime``)
are compared by ``repr``, the shortest text that round-trips.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any

import msgspec


class JsonFloat(float):
    """A float decoded from JSON that remembers its literal (``3.0e2`` stays ``"3.0e2"``)."""

    text: str

    def __new__(cls, text: str) -> JsonFloat:
        self = super().__new__(cls, text)
        self.text = text
        return self


class _Missing:
    """The value of a key the event does not have (distinct from JSON ``null``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

# Literal key of JSON null; a tuple so it can never equal a string value.
NULL_KEY = ("null",)

# Types that are one JSON leaf value. Checked with ``type(v) in``: exact and fast, and bool is
# listed on its own so it never passes for a number.
SCALAR_TYPES = frozenset({str, int, float, JsonFloat, bool, type(None)})

# Types numeric operators accept; bool is excluded on purpose (``true`` is not 1 here).
NUMBER_TYPES = frozenset({int, float, JsonFloat})

# One decoder for patterns and payloads: floats become JsonFloat; out-of-range literals
# ("1e400") reach the hook as text instead of failing, and NaN/Infinity are not JSON at all.
_DECODER = msgspec.json.Decoder(float_hook=JsonFloat)


def decode(data: str | bytes) -> Any:
    """Decode one JSON document. Raises ``msgspec.DecodeError`` if it is not valid JSON."""
    return _DECODER.decode(data)


def literal_key(value: Any) -> Hashable:
    """The key under which exact matching compares ``value``: type and text, never value.

    Strings are their own key; numbers are ``("num", text)``; booleans and null get keys of
    their own, so ``"true"``, ``true`` and ``1`` are three different things (§6.4).
    """
    cls = type(value)
    if cls is str:
        text: str = value
        return text
    if cls is JsonFloat:
        return ("num", value.text)
    if cls is int:
        return ("num", str(value))
    if cls is float:
        return ("num", repr(value))
    if cls is bool:
        return ("bool", value)
    if value is None:
        return NULL_KEY
    return ("other", id(value))


def iter_scalars(values: list[Any]) -> Iterator[Any]:
    """Leaf values of an event array, nested arrays flattened, objects skipped."""
    for item in values:
        cls = type(item)
        if cls in SCALAR_TYPES:
            yield item
        elif cls is list:
            yield from iter_scalars(item)
