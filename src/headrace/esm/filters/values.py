"""JSON values as filtering sees them: numbers keep the text they were written as.

EventBridge matches a pattern's number literal against an event's number by their text
(§6.4: "300, 300.0, and 3.0e2 are not considered equal") while numeric operators compare
values. The decoder here keeps every non-integer literal as its text (:class:`JsonNumber`),
so both rules hold for patterns and for the payloads headrace parses itself (SQS ``body``,
Kinesis ``data``); numeric operators read its value with :func:`number_value`. Floats that
arrive already decoded (DynamoDB's ``ApproximateCreationDateTime``) are compared by
``repr``, the shortest text that round-trips.

Payloads come from producers, so decoding stays linear in their size: no Python code runs
per number (a ``str`` subclass is built by C), and a document nested deeper than msgspec's
limit is simply not JSON.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any

import msgspec


class JsonNumber(str):
    """A non-integer JSON number, kept as the text it was written as (``3.0e2`` stays so).

    A ``str`` subclass on purpose: msgspec builds one per number without calling Python
    code (a float subclass with the text beside it cost ~10x more to decode). String
    operators test ``type(value) is str``, so they never take it for a string.
    """

    __slots__ = ()


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
SCALAR_TYPES = frozenset({str, int, float, JsonNumber, bool, type(None)})

# Types numeric operators accept; bool is excluded on purpose (``true`` is not 1 here).
NUMBER_TYPES = frozenset({int, float, JsonNumber})

# One decoder for patterns and payloads: non-integers become JsonNumber; out-of-range
# literals ("1e400") reach the hook as text instead of failing, and NaN/Infinity are not JSON.
_DECODER = msgspec.json.Decoder(float_hook=JsonNumber)


def decode(data: str | bytes) -> Any:
    """Decode one JSON document. Raises ``msgspec.DecodeError`` if it is not valid JSON.

    Too deeply nested (msgspec stops near 1000 levels) and integers past Python's 4300
    digits count as not valid JSON: they raise ``DecodeError`` too, never anything else.
    """
    try:
        return _DECODER.decode(data)
    except RecursionError:
        raise msgspec.DecodeError("JSON nested too deeply") from None


def number_value(value: Any) -> int | float:
    """The value of a number leaf (``JsonNumber`` text → float; ``1e400`` → inf)."""
    return float(value) if type(value) is JsonNumber else value


def literal_key(value: Any) -> Hashable:
    """The key under which exact matching compares ``value``: type and text, never value.

    Strings are their own key; numbers are ``("num", text)``; booleans and null get keys of
    their own, so ``"true"``, ``true`` and ``1`` are three different things (§6.4). An
    integer's text is its decimal form, so it is keyed by value: ``str()`` of a 4000-digit
    integer is quadratic, and a payload may hold thousands of them.
    """
    cls = type(value)
    if cls is str:
        text: str = value
        return text
    if cls is JsonNumber:
        return ("num", str.__str__(value))
    if cls is int:
        return ("int", value)
    if cls is float:
        return ("num", repr(value))
    if cls is bool:
        return ("bool", value)
    if value is None:
        return NULL_KEY
    return ("other", id(value))


def iter_scalars(values: list[Any]) -> Iterator[Any]:
    """Leaf values of an event array, nested arrays flattened, objects skipped.

    Iterative: arrays nested hundreds deep (msgspec accepts up to ~1000) need no recursion.
    """
    stack = [iter(values)]
    while stack:
        for item in stack[-1]:
            cls = type(item)
            if cls in SCALAR_TYPES:
                yield item
            elif cls is list:
                stack.append(iter(item))
                break
        else:
            stack.pop()
