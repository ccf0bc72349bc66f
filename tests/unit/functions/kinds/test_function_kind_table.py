"""The function-kind registry: every kind fills the seam, and each entry finds its kind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from headrace.config.model import FunctionConfig
from headrace.functions.kinds.function_kind_seam import FunctionKind, RuntimeSettings
from headrace.functions.kinds.function_kind_table import (
    FALLBACK_KIND,
    FUNCTION_KINDS,
    kind_for,
    kind_named,
    kind_of_entry,
    recognise,
)
from headrace.functions.kinds.python_kind import PYTHON
from headrace.functions.process import ProcessFunctionRuntime


@pytest.mark.parametrize("kind", FUNCTION_KINDS, ids=lambda kind: kind.name)
def test_every_kind_fills_the_seam(kind: Any) -> None:
    """Each registered kind satisfies the FunctionKind Protocol."""
    assert isinstance(kind, FunctionKind)


def test_kind_names_are_unique_and_found_by_name() -> None:
    """Names identify kinds: no two share one, and kind_named finds each."""
    names = [kind.name for kind in FUNCTION_KINDS]
    assert len(names) == len(set(names))
    assert all(kind_named(name).name == name for name in names)
    with pytest.raises(KeyError):
        kind_named("cobol")


@pytest.mark.parametrize(
    "entry", [{}, {"Runtime": "python3.12"}, {"Runtime": "python3.9", "Handler": "a.b"}]
)
def test_python_is_recognised_by_runtime(entry: dict[str, Any]) -> None:
    """design: no Runtime, or any python3.x, is the Python worker runtime."""
    assert recognise(entry) is PYTHON


def test_recognition_is_unambiguous() -> None:
    """At most one kind claims an entry, so the table's order never decides."""
    entries: list[dict[str, Any]] = [
        {},
        {"Runtime": "python3.13"},
        {"Runtime": "nodejs20.x"},
        {"Runtime": "provided.al2023"},
        {"Url": "http://127.0.0.1:9000/"},
    ]
    for entry in entries:
        assert sum(kind.recognises(entry) for kind in FUNCTION_KINDS) <= 1, entry


@pytest.mark.parametrize("runtime", ["nodejs20.x", "java21", "provided.al2023"])
def test_unclaimed_runtime_runs_on_python_as_before(runtime: str) -> None:
    """No behaviour change: a Runtime no kind claims runs on the Python runtime, as every
    function did when Runtime was accepted and not read (issue 12 makes it an error)."""
    assert recognise({"Runtime": runtime}) is None
    assert kind_of_entry({"Runtime": runtime}) is FALLBACK_KIND is PYTHON


def test_a_built_function_keeps_what_picks_its_kind(tmp_path: Path) -> None:
    """A FunctionConfig keeps Runtime, so app.py finds the same kind validation did."""
    data = {"Handler": "orders.handler", "Runtime": "python3.12"}
    function = FunctionConfig.from_aws("f", data, tmp_path)
    assert function.runtime == "python3.12"
    assert function.to_aws()["Runtime"] == "python3.12"
    assert kind_for(function) is PYTHON
    assert "Runtime" not in FunctionConfig.from_aws("f", {"Handler": "o.h"}, tmp_path).to_aws()


async def test_python_kind_builds_the_process_runtime(tmp_path: Path) -> None:
    """The Python kind starts worker processes with the settings app.py gives it."""
    function = FunctionConfig(name="f", handler="orders.handler", code_uri=tmp_path)
    settings = RuntimeSettings(concurrency=3, region="eu-west-1", account="123456789012")
    runtime = PYTHON.build(function, settings)
    try:
        assert isinstance(runtime, ProcessFunctionRuntime)
        assert runtime.name == "f"
        assert runtime.statistics().concurrency_limit == 3
    finally:
        await runtime.aclose()


def test_the_registry_imports_no_config() -> None:
    """Config imports the registry to validate, so the registry must not need config."""
    code = (
        "import sys, headrace.functions.kinds.function_kind_table; "
        "print(any(m.startswith('headrace.config') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
