"""A mapping's compiled ``FilterCriteria`` and the checks its ``Filters`` get (§6.1, §6.2)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from headrace.errors import InvalidParameterValueException, ValidationException
from headrace.esm.filters.compiler import compile_pattern
from headrace.esm.filters.payload import PayloadRule, PayloadSource, payload_rule
from headrace.esm.filters.tree import ObjectMatcher

# The API's limit on one Pattern's length in characters (§6.1).
MAX_PATTERN_LENGTH = 4096
# Filters per mapping without a quota increase (§6.2); AWS raises it to 10 on request.
DEFAULT_MAX_FILTERS = 5


@dataclass(frozen=True, slots=True)
class FilterCriteria:
    """The compiled patterns of one mapping. Falsy (and ``empty``) when it has none.

    Build it with :func:`compile_filter_criteria`; :meth:`matches` is the hot path.
    """

    patterns: tuple[str, ...]
    source: PayloadSource  # the mapping's source kind
    _matchers: tuple[ObjectMatcher, ...] = field(repr=False, compare=False)
    # The source's payload rule when some pattern looks inside the payload, else None.
    _payload: PayloadRule | None = field(repr=False, compare=False)

    @property
    def empty(self) -> bool:
        """True when there are no patterns: every record matches, skip the work."""
        return not self._matchers

    def __bool__(self) -> bool:
        return bool(self._matchers)

    def matches(self, record: Mapping[str, Any]) -> bool:
        """True if ``record`` (exactly as the function would get it) matches any pattern.

        Never raises for any record shape: a payload that cannot be decoded simply does not
        match the patterns that look inside it (§6.5).
        """
        matchers = self._matchers
        if not matchers:
            return True
        view = record if self._payload is None else self._payload.view(record)
        return any(matcher.matches(view) for matcher in matchers)

    def to_aws(self) -> dict[str, Any]:
        """The ``FilterCriteria`` request shape: ``{"Filters": [{"Pattern": ...}]}``."""
        return {"Filters": [{"Pattern": pattern} for pattern in self.patterns]}


def compile_filter_criteria(
    patterns: Sequence[str],
    source: PayloadSource,
    *,
    max_filters: int = DEFAULT_MAX_FILTERS,
) -> FilterCriteria:
    """Validate and compile a mapping's filter patterns, once, for ``source``'s records
    (``source`` is the mapping's source kind: it gives the payload rule, §6.5).

    Raises ``ValidationException`` if a pattern is longer than 4096 characters (AWS's text,
    every offending pattern named); ``InvalidParameterValueException`` if there are more
    than ``max_filters`` patterns, or with ``"Invalid filter pattern definition."`` if any
    pattern is malformed (§1.6.14).
    """
    patterns = tuple(patterns)
    _check_lengths(patterns)
    if len(patterns) > max_filters:
        raise InvalidParameterValueException(
            f"FilterCriteria has {len(patterns)} filters, more than the {max_filters} "
            "allowed per event source mapping. Merge patterns (value arrays and $or are "
            "ORed) or raise the quota."
        )
    rule = payload_rule(source)
    compiled = [compile_pattern(pattern, rule) for pattern in patterns]
    uses_payload = any(uses for _, uses in compiled)
    return FilterCriteria(
        patterns,
        source,
        tuple(matcher for matcher, _ in compiled),
        rule if uses_payload else None,
    )


def _check_lengths(patterns: tuple[str, ...]) -> None:
    """AWS's model validation of ``Pattern`` lengths, all offenders in one message."""
    problems = [
        f"Value '{pattern}' at 'filterCriteria.filters.{index}.member.pattern' failed to "
        f"satisfy constraint: Member must have length less than or equal to "
        f"{MAX_PATTERN_LENGTH}"
        for index, pattern in enumerate(patterns, start=1)
        if isinstance(pattern, str) and len(pattern) > MAX_PATTERN_LENGTH
    ]
    if problems:
        noun = "error" if len(problems) == 1 else "errors"
        raise ValidationException(
            f"{len(problems)} validation {noun} detected: " + "; ".join(problems)
        )
