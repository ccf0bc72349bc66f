"""Compiled value conditions: one per operator object in a pattern's value array (§6.3).

Each condition answers one question about one *present* leaf value of the event (a string,
number, boolean or null): does it match? Absence is decided by the leaf matcher around
them (:mod:`headrace.esm.filters.tree`), so ``exists: false`` is not a condition here.
String operators never match numbers, booleans or null; numeric operators never match
strings (DynamoDB ``N`` values are strings, so numeric filters do not apply to them, §6.5).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Protocol

from headrace.esm.filters.values import NUMBER_TYPES, number_value

# The longest text an IP address can have: 45 characters ("ffff:...:255.255.255.255") and
# an IPv6 zone ("%eth0"). Longer strings are not addresses; they are refused unparsed.
MAX_ADDRESS_LENGTH = 64


class Condition(Protocol):
    """A test of one present leaf value."""

    def test(self, value: Any) -> bool:
        """True if ``value`` (a str, number, bool or None) satisfies the condition."""
        ...


@dataclass(frozen=True, slots=True)
class AnyValue:
    """``{"exists": true}``: any leaf value, null included, matches (§6.4: leaves only)."""

    def test(self, value: Any) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class EqualsIgnoreCase:
    """``{"equals-ignore-case": "alice"}``: strings equal after case folding.

    Folding maps each character on its own to one or more characters, so a value longer
    than the folded text can never equal it: a huge value is refused without folding it.
    The ignore-case prefix and suffix fold only as many characters as their text has.
    """

    folded: str

    def test(self, value: Any) -> bool:
        if type(value) is not str or len(value) > len(self.folded):
            return False
        return value.casefold() == self.folded


@dataclass(frozen=True, slots=True)
class Prefix:
    """``{"prefix": "us-"}``: strings that begin with the text."""

    text: str

    def test(self, value: Any) -> bool:
        return type(value) is str and value.startswith(self.text)


@dataclass(frozen=True, slots=True)
class Suffix:
    """``{"suffix": ".png"}``: strings that end with the text."""

    text: str

    def test(self, value: Any) -> bool:
        return type(value) is str and value.endswith(self.text)


@dataclass(frozen=True, slots=True)
class PrefixIgnoreCase:
    """``{"prefix": {"equals-ignore-case": "US-"}}``: case-folded prefix (EventBridge)."""

    folded: str

    def test(self, value: Any) -> bool:
        if type(value) is not str:
            return False
        return value[: len(self.folded)].casefold().startswith(self.folded)


@dataclass(frozen=True, slots=True)
class SuffixIgnoreCase:
    """``{"suffix": {"equals-ignore-case": ".PNG"}}``: case-folded suffix (EventBridge)."""

    folded: str

    def test(self, value: Any) -> bool:
        if type(value) is not str:
            return False
        return value[max(0, len(value) - len(self.folded)) :].casefold().endswith(self.folded)


@dataclass(frozen=True, slots=True)
class Wildcard:
    """``{"wildcard": "dir/*.png"}``: ``*`` is any run of characters (EventBridge).

    ``segments`` are the literal runs around the stars (one segment: no star at all).
    Matching is linear in the value, whatever the pattern: the first segment must be a
    prefix, the last a suffix, and the ones between are found left to right, each at its
    leftmost place after the one before. With ``*`` as the only wildcard the leftmost place
    is never worse than a later one, so nothing is ever retried (no backtracking regex).
    """

    segments: tuple[str, ...]

    def test(self, value: Any) -> bool:
        if type(value) is not str:
            return False
        segments = self.segments
        if len(segments) == 1:
            return value == segments[0]
        first, last = segments[0], segments[-1]
        end = len(value) - len(last)
        if end < len(first) or not value.startswith(first) or not value.endswith(last):
            return False
        position = len(first)
        for segment in segments[1:-1]:
            found = value.find(segment, position, end)
            if found < 0:
                return False
            position = found + len(segment)
        return True


@dataclass(frozen=True, slots=True)
class Cidr:
    """``{"cidr": "10.0.0.0/24"}``: strings that are an IP address inside the network."""

    network: ipaddress.IPv4Network | ipaddress.IPv6Network

    def test(self, value: Any) -> bool:
        if type(value) is not str or len(value) > MAX_ADDRESS_LENGTH:
            return False
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            return False
        return address.version == self.network.version and address in self.network


@dataclass(frozen=True, slots=True)
class Numeric:
    """``{"numeric": [">", 10, "<=", 20]}``: numbers inside the range, compared by value.

    A missing bound is open. Python compares ints and floats exactly, so huge integers
    never overflow a float conversion.
    """

    lower: int | float | None = None
    lower_inclusive: bool = False
    upper: int | float | None = None
    upper_inclusive: bool = False

    def test(self, value: Any) -> bool:
        if type(value) not in NUMBER_TYPES:
            return False
        value = number_value(value)
        lower, upper = self.lower, self.upper
        if lower is not None and (value < lower or (value == lower and not self.lower_inclusive)):
            return False
        return upper is None or value < upper or (value == upper and self.upper_inclusive)


@dataclass(frozen=True, slots=True)
class OneOf:
    """Membership in a set of strings or of numbers; numbers compare by value (100 == 100.0)."""

    strings: frozenset[str] = frozenset()
    numbers: frozenset[int | float] = frozenset()

    def test(self, value: Any) -> bool:
        cls = type(value)
        if cls is str:
            return value in self.strings
        return cls in NUMBER_TYPES and number_value(value) in self.numbers


@dataclass(frozen=True, slots=True)
class AnythingBut:
    """``{"anything-but": ...}``: any present leaf value that the inner condition rejects.

    Absent keys never match (use ``exists: false`` for those). With an array in the event,
    one element that is not excluded is enough, as in EventBridge.
    """

    inner: Condition

    def test(self, value: Any) -> bool:
        return not self.inner.test(value)


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Several conditions of one operator (``anything-but`` of a list of wildcards …)."""

    conditions: tuple[Condition, ...]

    def test(self, value: Any) -> bool:
        return any(c.test(value) for c in self.conditions)
