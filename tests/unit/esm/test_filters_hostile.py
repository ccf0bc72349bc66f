"""Filtering hostile payloads: every pattern matches in time linear in the record (§6).

A producer controls SQS bodies (up to 256 KB) and Kinesis data (up to 1 MB); the engine
filters them on its event loop, so no operator, and no payload decoding, may take more
than linear time. Each bound below is generous (linear work takes a few milliseconds) and
still far below what the backtracking matcher took (seconds to minutes).
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from filter_helpers import KINESIS, SQS, criteria, kinesis_record, matches, sqs_record
from hypothesis import given
from hypothesis import strategies as st

import headrace

# SQS's largest message body (§2.1).
SQS_MAX_BODY = 256 * 1024
# Where headrace's own Python code lives (other code, e.g. finalizers, may run meanwhile).
HEADRACE_SOURCE = str(Path(headrace.__file__).parent)
# Linear matching of the largest body takes about a millisecond; this leaves room for a busy
# machine while failing any super-linear matcher by orders of magnitude.
BOUND_SECONDS = 0.5


def timed(check: Callable[[], bool]) -> tuple[bool, float]:
    started = time.perf_counter()
    result = check()
    return result, time.perf_counter() - started


def wildcard_body(pattern: str) -> dict[str, Any]:
    """A value-array pattern on the plain SQS body."""
    return {"body": [{"wildcard": pattern}]}


# Patterns and bodies that make a backtracking `.*` matcher take polynomial time.
ADVERSARIAL_WILDCARDS = [
    ("*a*a*a*a*a*b", "a" * SQS_MAX_BODY),
    ("a*" * 40 + "b", "a" * SQS_MAX_BODY),
    ("*" + "a" * 60 + "b*", "a" * SQS_MAX_BODY),
    ("*ab*ab*ab*ab*c", "ab" * (SQS_MAX_BODY // 2)),
    ("*\\**\\**\\**x", "*" * SQS_MAX_BODY),
]


@pytest.mark.parametrize(("pattern", "body"), ADVERSARIAL_WILDCARDS)
def test_wildcard_on_a_hostile_256_kb_body_is_linear(pattern: str, body: str) -> None:
    """§6.3 wildcard: a near-miss 256 KB body is refused well under the bound."""
    matched, seconds = timed(lambda: criteria(wildcard_body(pattern)).matches(sqs_record(body)))
    assert not matched
    assert seconds < BOUND_SECONDS, f"{seconds:.2f} s"


def test_wildcard_inside_a_json_body_and_negated_is_linear() -> None:
    """§6.3: wildcard under anything-but, on a 256 KB JSON string field, stays linear."""
    body = json.dumps({"key": "a" * (SQS_MAX_BODY - 20)})
    pattern = {"body": {"key": [{"anything-but": {"wildcard": "*a*a*a*a*b"}}]}}
    matched, seconds = timed(lambda: criteria(pattern).matches(sqs_record(body)))
    assert matched
    assert seconds < BOUND_SECONDS, f"{seconds:.2f} s"


@pytest.mark.parametrize(
    "operator",
    [
        {"equals-ignore-case": "ss"},
        {"prefix": {"equals-ignore-case": "ssx"}},
        {"suffix": {"equals-ignore-case": "xss"}},
        {"cidr": "10.0.0.0/8"},
        {"wildcard": "*ß*ß*ß*x"},
    ],
    ids=["equals-ignore-case", "prefix-ignore-case", "suffix-ignore-case", "cidr", "wildcard"],
)
def test_string_operators_on_a_hostile_body_are_linear(operator: dict[str, Any]) -> None:
    """§6.3: case folding, cidr and wildcard on a 256 KB value that expands when folded."""
    body = "ß" * (SQS_MAX_BODY // 2)  # 2 bytes each in UTF-8; folds to "ss"
    matched, seconds = timed(lambda: criteria({"body": [operator]}).matches(sqs_record(body)))
    assert not matched
    assert seconds < BOUND_SECONDS, f"{seconds:.2f} s"


def headrace_calls(work: Callable[[], object]) -> int:
    """How many of headrace's Python functions ``work`` calls (C functions do not count)."""
    calls = 0

    def count(frame: FrameType, event: str, arg: object) -> None:
        nonlocal calls
        calls += event == "call" and HEADRACE_SOURCE in frame.f_code.co_filename

    sys.setprofile(count)
    try:
        work()
    finally:
        sys.setprofile(None)
    return calls


def test_decoding_numbers_runs_no_python_code_per_number() -> None:
    """§6.5: 100,000 JSON numbers decode in C alone (a Python hook per number took 200 ms
    for 256 KB, 800 ms for Kinesis's 1 MB)."""
    numbers = ",".join(["1.5e300"] * 100_000)
    data = ('{"pad": [' + numbers + '], "k": 2.5}').encode()
    matcher = criteria({"data": {"k": [2.5]}}, source=KINESIS)
    record = kinesis_record(data)
    matched: list[bool] = []
    assert headrace_calls(lambda: matched.append(matcher.matches(record))) < 1000
    assert matched == [True]


def test_a_body_nested_past_the_decoder_limit_is_not_json() -> None:
    """§6.5: a body nested thousands deep is not JSON: object patterns drop it, none raises."""
    body = '{"a":' + "[" * 5000 + "1" + "]" * 5000 + "}"
    assert not criteria({"body": {"a": [1]}}).matches(sqs_record(body))
    assert criteria({"body": [{"prefix": '{"a":[[['}]}).matches(sqs_record(body))


def test_arrays_nested_hundreds_deep_still_match() -> None:
    """§6.4: a leaf inside arrays nested 900 deep is one of the key's values."""
    body = '{"a":' + "[" * 900 + '"x"' + "]" * 900 + "}"
    assert criteria({"body": {"a": ["x"]}}).matches(sqs_record(body))


def test_a_pattern_nested_past_the_decoder_limit_is_invalid() -> None:
    """§1.6.14: a pattern too deep to decode is an invalid pattern, not a crash."""
    from headrace.errors import InvalidParameterValueException

    with pytest.raises(InvalidParameterValueException):
        criteria("[" * 2000 + "]" * 2000, source=SQS)


@pytest.mark.parametrize(
    ("literal", "event", "expected"),
    [
        (300, 300, True),
        (300, "3.0e2", False),
        (300.0, "300.0", True),
        (300.0, "300", False),
        (3.0e2, "3.0e2", False),  # json.dumps writes the pattern's float as 300.0
        (10**40, str(10**40), True),
        (10**40, str(10**40) + ".0", False),
    ],
)
def test_number_literals_still_match_by_text(literal: Any, event: str, expected: bool) -> None:
    """§6.4: exact number literals compare by their text, whatever their size."""
    assert criteria({"body": {"n": [literal]}}).matches(sqs_record(f'{{"n": {event}}}')) is expected


# --- The wildcard matcher agrees with a regex on small inputs --------------------------------


def reference_regex(pattern: str) -> re.Pattern[str] | None:
    """The wildcard as a regular expression (the former implementation); None if invalid."""
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            escaped = pattern[index + 1 : index + 2]
            if escaped not in ("*", "\\"):
                return None
            parts.append(re.escape(escaped))
            index += 2
            continue
        if char == "*" and parts and parts[-1] == ".*":
            return None
        parts.append(".*" if char == "*" else re.escape(char))
        index += 1
    return re.compile("".join(parts), re.DOTALL)


@given(
    pattern=st.lists(st.sampled_from(["a", "b", "*", "\\*", "\\\\", "\\", "\n"]), max_size=8),
    value=st.text(alphabet="ab*\\\n", max_size=12),
)
def test_wildcard_agrees_with_a_regex(pattern: list[str], value: str) -> None:
    """§6.3 wildcard: the linear matcher accepts exactly what the regex translation does."""
    from headrace.errors import InvalidParameterValueException

    text = "".join(pattern)
    regex = reference_regex(text)
    if regex is None:
        with pytest.raises(InvalidParameterValueException):
            matches({"k": [{"wildcard": text}]}, {"k": value})
        return
    assert matches({"k": [{"wildcard": text}]}, {"k": value}) is bool(regex.fullmatch(value))


@given(
    folded=st.text(alphabet="aßSſK\u212a\u0130i", max_size=4),
    value=st.text(alphabet="aßSſK\u212a\u0130is", max_size=8),
)
def test_ignore_case_operators_agree_with_folding_the_whole_value(folded: str, value: str) -> None:
    """§6.3: folding only a prefix or suffix of the value decides as folding all of it."""
    event = {"k": value}
    full = value.casefold()
    target = folded.casefold()
    assert matches({"k": [{"equals-ignore-case": folded}]}, event) is (full == target)
    prefix = {"k": [{"prefix": {"equals-ignore-case": folded}}]}
    assert matches(prefix, event) is full.startswith(target)
    suffix = {"k": [{"suffix": {"equals-ignore-case": folded}}]}
    assert matches(suffix, event) is full.endswith(target)
