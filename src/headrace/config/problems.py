"""The machinery of config validation: where a problem is, and field checks in AWS's words.

Validation never stops at the first problem: every check appends a
:class:`~headrace.errors.ConfigProblem` to a :class:`Problems` list and carries on, so
``headrace validate`` can show them all at once. A problem's location reads
``headrace.yaml: event_source_mappings[1] (process-orders): BatchSize``; :class:`Scope` builds
it. Field readers return the value when it has the right type and range, else ``None``
(after recording why), so later checks can use what is known good and skip the rest.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headrace.config.quoting import as_text, aws_list
from headrace.errors import ConfigProblem

# AWS exception names used in problems.
VALIDATION = "ValidationException"
INVALID_PARAMETER = "InvalidParameterValueException"
RESOURCE_CONFLICT = "ResourceConflictException"
# A list index in a location ("Filters[0]"); AWS writes it as "filters.1.member".
_LIST_INDEX = re.compile(r"\[(\d+)\]")
# How close a misspelt key must be to a valid one for "did you mean" (difflib ratio, 0-1).
SUGGESTION_CUTOFF = 0.6


@dataclass(slots=True)
class Problems:
    """Every problem found in one config file, in the order found."""

    file: str  # the file as the user named it, e.g. "headrace.yaml"
    found: list[ConfigProblem] = field(default_factory=list)

    def at(self, entry: str) -> Scope:
        """A scope for one entry: ``""`` (top level), ``queues.orders``, ..."""
        return Scope(problems=self, entry=entry)


@dataclass(frozen=True, slots=True)
class Scope:
    """One entry of the file, and a key prefix inside it, that problems are reported against."""

    problems: Problems
    entry: str
    prefix: str = ""  # "ScalingConfig." while checking the keys of ScalingConfig

    def add(self, key: str | None, code: str, message: str) -> None:
        """Record one problem at ``key`` (None: the entry itself)."""
        where = self.prefix + key if key is not None else self.prefix.rstrip(".")
        parts = [p for p in (self.problems.file, self.entry, where) if p]
        self.problems.found.append(ConfigProblem(": ".join(parts), code, message))

    def nested(self, label: str) -> Scope:
        """A scope for the keys of a nested object, e.g. ``nested("ScalingConfig")``."""
        return Scope(problems=self.problems, entry=self.entry, prefix=f"{self.prefix}{label}.")

    def count(self) -> int:
        """How many problems the whole file has so far (to tell if a check added any)."""
        return len(self.problems.found)


def display_path(path: Path) -> str:
    """A config file as problems name it: relative to the working folder when inside it."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd()))
    except ValueError:
        return str(resolved)


def member_name(label: str) -> str:
    """AWS's lower-camel member path: ``ScalingConfig.MaxConcurrency`` → ``scalingConfig...``."""
    label = _LIST_INDEX.sub(lambda m: f".{int(m.group(1)) + 1}.member", label)
    return ".".join(part[:1].lower() + part[1:] for part in label.split("."))


def show(value: object) -> str:
    """A value as AWS's validation messages quote it: ``null``, ``'10'``, ``'[a, b]'``.

    At most :data:`~headrace.config.quoting.QUOTE_LIMIT` characters of it, whatever its size.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    if isinstance(value, list | tuple):
        return f"'{aws_list(value)}'"
    return f"'{as_text(value)}'"


def validation_message(value: object, member: str, constraint: str) -> str:
    """AWS's ValidationException text for one failed constraint."""
    return (
        f"1 validation error detected: Value {show(value)} at '{member}' "
        f"failed to satisfy constraint: {constraint}"
    )


def type_name(value: object) -> str:
    """A YAML-ish name for a value's type, for "expected X, got Y" messages."""
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "list"}
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "mapping"
    return names.get(type(value), type(value).__name__)


def check_keys(
    scope: Scope,
    data: Mapping[Any, Any],
    known: Collection[str],
    ignored: Collection[str] = (),
) -> None:
    """Reject every key that is neither known nor accepted-and-ignored, suggesting the closest."""
    for key in data:
        if isinstance(key, str) and (key in known or key in ignored):
            continue
        name = as_text(key)
        scope.add(name, VALIDATION, unknown_key_message(name, known))


def unknown_key_message(key: str, known: Collection[str]) -> str:
    """``unknown key; did you mean BatchSize?`` or, with no close match, the valid keys."""
    by_case = {k.lower(): k for k in known}
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=SUGGESTION_CUTOFF)
    suggestion = by_case.get(key.lower()) or (close[0] if close else None)
    if suggestion is not None:
        return f"unknown key; did you mean {suggestion}?"
    return "unknown key; expected one of: " + ", ".join(sorted(known))


def is_int(value: object) -> bool:
    """An integer and not a boolean (YAML ``true`` is a Python int)."""
    return isinstance(value, int) and not isinstance(value, bool)


def read_int(
    scope: Scope, data: Mapping[str, Any], key: str, minimum: int, maximum: int | None = None
) -> int | None:
    """``data[key]`` if it is an integer in range; else record a ValidationException."""
    if key not in data:
        return None
    value = data[key]
    member = member_name(scope.prefix + key)
    if not is_int(value):
        constraint = f"Member must be an integer, not a {type_name(value)}"
        scope.add(key, VALIDATION, validation_message(value, member, constraint))
        return None
    if value < minimum:
        constraint = f"Member must have value greater than or equal to {minimum}"
        scope.add(key, VALIDATION, validation_message(value, member, constraint))
        return None
    if maximum is not None and value > maximum:
        constraint = f"Member must have value less than or equal to {maximum}"
        scope.add(key, VALIDATION, validation_message(value, member, constraint))
        return None
    return int(value)


def read_typed(
    scope: Scope, data: Mapping[str, Any], key: str, kind: type[Any], expected: str
) -> Any:
    """``data[key]`` if it is a ``kind`` (bool, str, list, Mapping); else record a problem."""
    if key not in data:
        return None
    value = data[key]
    ok = isinstance(value, kind) and (kind is not int or not isinstance(value, bool))
    if ok:
        return value
    constraint = f"Member must be {expected}, not a {type_name(value)}"
    scope.add(
        key, VALIDATION, validation_message(value, member_name(scope.prefix + key), constraint)
    )
    return None


def read_bool(scope: Scope, data: Mapping[str, Any], key: str) -> bool | None:
    value: bool | None = read_typed(scope, data, key, bool, "a boolean")
    return value


def read_str(scope: Scope, data: Mapping[str, Any], key: str) -> str | None:
    value: str | None = read_typed(scope, data, key, str, "a string")
    return value


def read_list(scope: Scope, data: Mapping[str, Any], key: str) -> list[Any] | None:
    value: list[Any] | None = read_typed(scope, data, key, list, "a list")
    return value


def read_mapping(scope: Scope, data: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value: Mapping[str, Any] | None = read_typed(scope, data, key, Mapping, "a mapping")
    return value


def read_entry(scope: Scope, data: Any, what: str) -> Mapping[str, Any] | None:
    """One declared entry's settings (a queue's, a function's, ...); an empty entry is ``{}``.

    Anything else but a mapping is a problem ("expected a mapping of ``what``, got ...") and
    gives None.
    """
    if data is None:
        return {}
    if isinstance(data, Mapping):
        return data
    scope.add(None, VALIDATION, f"expected a mapping of {what}, got {type_name(data)}")
    return None


def check_name(scope: Scope, name: str, pattern: re.Pattern[str], member: str) -> None:
    """An entry's name against AWS's ``pattern``, reported in the ValidationException wording."""
    if not pattern.fullmatch(name):
        constraint = f"Member must satisfy regular expression pattern: {pattern.pattern}"
        scope.add(None, VALIDATION, validation_message(name, member, constraint))


def read_section(
    scope: Scope, data: Mapping[str, Any], key: str, known: Collection[str]
) -> tuple[Scope, Mapping[str, Any]] | None:
    """The nested mapping ``data[key]`` with its keys checked against ``known``.

    Returns the scope its own problems go to (``KEY.Member``) and the mapping; None when the
    key is absent, or is not a mapping (reported).
    """
    section = read_mapping(scope, data, key)
    if section is None:
        return None
    where = scope.nested(key)
    check_keys(where, section, known)
    return where, section


def read_enum(
    scope: Scope, data: Mapping[str, Any], key: str, allowed: Collection[str]
) -> str | None:
    """``data[key]`` if it is one of ``allowed``; else AWS's enum ValidationException."""
    if key not in data:
        return None
    value = data[key]
    if isinstance(value, str) and value in allowed:
        return value
    constraint = "Member must satisfy enum value set: [" + ", ".join(allowed) + "]"
    scope.add(
        key, VALIDATION, validation_message(value, member_name(scope.prefix + key), constraint)
    )
    return None


def require(scope: Scope, data: Mapping[str, Any], key: str, code: str = VALIDATION) -> bool:
    """Record AWS's "must not be null" problem when ``key`` is missing or null."""
    if data.get(key) is not None:
        return True
    constraint = "Member must not be null."
    message = validation_message(None, member_name(scope.prefix + key), constraint)
    scope.add(key, code, message)
    return False
