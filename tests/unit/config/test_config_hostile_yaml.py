"""Hostile YAML: alias bombs, self-containing values, deep nesting, endless numbers.

Each is refused with one problem naming the line (or, when the document is acceptable,
every problem quotes at most QUOTE_LIMIT characters of the value), and never costs more
memory or time than the file's own size warrants.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from headrace.config.quoting import QUOTE_LIMIT, as_text, aws_list, clip, quoted
from headrace.config.yaml_reader import MAX_ALIAS_NODES, MAX_DEPTH

Problems = Callable[[Any], list[str]]

HEAD = """\
queues:
  orders: {}
functions:
  fn:
    Handler: orders.handler
    CodeUri: ./src
"""
# Bounds for refusing a hostile document: reading the file is all it may cost.
SECONDS = 2.0
PEAK_BYTES = 20 * 1024 * 1024
# The longest problem line a document below may produce: location, code, AWS's wording and
# one quoted value.
LINE_LIMIT = 300


def alias_bomb(levels: int) -> str:
    """A "billion laughs" Timeout: each level lists the level inside it nine times."""
    value = "&l0 [" + ", ".join(["lol"] * 9) + "]"
    for level in range(1, levels):
        value = f"&l{level} [{value}, " + ", ".join([f"*l{level - 1}"] * 8) + "]"
    return HEAD + f"    Timeout: {value}\n"


def measured(problems: Problems, document: str) -> tuple[list[str], float, int]:
    """The problems of a document, the seconds and the peak bytes reading it took."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        found = problems(document)
        return found, time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_nine_level_alias_bomb_is_refused_naming_the_line(problems: Problems) -> None:
    """A 9-level alias bomb under Timeout is one problem, found in bounded time and memory."""
    found, seconds, peak = measured(problems, alias_bomb(9))
    assert len(found) == 1, found
    assert found[0].startswith("headrace.yaml: line ")
    assert f"YAML refused: aliases expand to more than {MAX_ALIAS_NODES} values" in found[0]
    assert seconds < SECONDS
    assert peak < PEAK_BYTES


def test_aliases_within_the_cap_are_quoted_clipped(problems: Problems) -> None:
    """A shared value of 6561 items under Timeout: the problem quotes 80 characters of it."""
    found = problems(alias_bomb(4))
    [timeout] = [line for line in found if ": Timeout: " in line]
    assert "…' at 'timeout' failed to satisfy constraint: Member must be an integer" in timeout
    assert all(len(line) < LINE_LIMIT for line in found), found


def test_merge_keys_sharing_defaults_are_fine(problems: Problems) -> None:
    """``<<: *base`` in many functions is ordinary YAML, not a bomb."""
    functions = "\n".join(f"  fn{i}: {{<<: *base, Timeout: 5}}" for i in range(200))
    document = (
        "queues: {orders: {}}\n"
        "functions:\n"
        "  base: &base {Handler: orders.handler, CodeUri: ./src, MemorySize: 256}\n"
        f"{functions}\n"
    )
    assert problems(document) == []


def test_a_value_that_contains_itself_is_refused(problems: Problems) -> None:
    """An alias inside the collection it names would make an endless value."""
    found = problems(HEAD + "    Timeout: &a [1, *a]\n")
    assert found == [
        "headrace.yaml: line 7, column 21: ValidationException: YAML refused: "
        "alias *a is inside the value it names"
    ]


def test_nesting_past_the_limit_is_refused(problems: Problems) -> None:
    """Collections nested thousands deep are refused before Python's recursion limit."""
    depth = 5000
    found = problems(HEAD + "    Timeout: " + "[" * depth + "]" * depth + "\n")
    # The top mapping, functions and fn are three levels; Timeout's value starts at column 14.
    column = 14 + MAX_DEPTH - 3
    assert found == [
        f"headrace.yaml: line 7, column {column}: ValidationException: YAML refused: "
        f"collections nested deeper than {MAX_DEPTH} levels"
    ]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("1" * 5000, "a number written with more than 4300 characters"),
        ("1" + ":1" * 50_000, "a number written with more than 4300 characters"),
        ("1" + ":1" * 1000 + ".5", "cannot read '1:1:1:1:"),
        ("2001-13-45", "cannot read '2001-13-45': month must be in 1..12"),
    ],
    ids=["digits", "sexagesimal", "float-overflow", "bad-date"],
)
def test_a_scalar_yaml_cannot_build_is_one_problem(
    problems: Problems, value: str, problem: str
) -> None:
    """Numbers and dates that Python refuses (or builds slowly) are problems with a line."""
    found = problems(HEAD + f"    Timeout: {value}\n")
    assert len(found) == 1, found
    assert found[0].startswith("headrace.yaml: line 7, column 14: ValidationException: ")
    assert problem in found[0]
    assert len(found[0]) < LINE_LIMIT


@pytest.mark.parametrize(
    "setting",
    [
        "    Timeout: " + "x" * 100_000,
        "    Timeout: [" + ", ".join(["abc"] * 50_000) + "]",
        "    ? " + "K" * 100_000 + "\n    : 1",
        "    Environment: {Variables: {A: [" + ", ".join(["1"] * 50_000) + "]}}",
    ],
    ids=["long-string", "long-list", "long-key", "env-list"],
)
def test_problems_quote_at_most_a_line_of_a_huge_value(problems: Problems, setting: str) -> None:
    """Every message that quotes a user value quotes at most QUOTE_LIMIT characters."""
    found = problems(HEAD + setting + "\n")
    assert all(len(line) < LINE_LIMIT for line in found), [line[:400] for line in found]
    assert any("…" in line for line in found), found


def test_queue_attribute_problems_quote_clipped_values(problems: Problems) -> None:
    """SQS attribute messages (``got ...``) clip the value too."""
    found = problems("queues:\n  orders: {VisibilityTimeout: [" + "7, " * 10_000 + "7]}\n")
    assert len(found) == 1, found
    assert len(found[0]) < LINE_LIMIT


# --- the quoting helpers ---------------------------------------------------------------------


def test_quoting_stops_at_the_limit_whatever_the_value() -> None:
    """A value that contains itself or is huge is quoted in at most QUOTE_LIMIT characters."""
    endless: list[Any] = []
    endless.append(endless)
    for value in (endless, {"k": ["v"] * 10**6}, "s" * 10**6, 7**10_000):
        for render in (quoted, as_text, aws_list if isinstance(value, list) else as_text):
            assert len(render(value)) <= QUOTE_LIMIT


def test_short_values_are_quoted_as_python_and_aws_write_them() -> None:
    """Within the limit nothing changes: repr, str and AWS's ``[a, b]``."""
    assert quoted("orders") == "'orders'"
    assert as_text([1, "a", None]) == "[1, 'a', None]"
    assert aws_list(["a", 1, ["b"]]) == "[a, 1, ['b']]"
    assert quoted({"a": (1, 2)}) == "{'a': (1, 2)}"
    assert clip("x" * 81) == "x" * 79 + "…"
