"""docs/architecture.md's worked example of adding a function kind runs end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from headrace.config import read_config
from headrace.functions.kinds import function_kind_table
from headrace.functions.kinds.function_kind_seam import FunctionKind, RuntimeSettings
from headrace.functions.kinds.function_kind_table import FUNCTION_KINDS, kind_for

DOC = Path(__file__).parents[4] / "docs" / "architecture.md"


def _example() -> dict[str, Any]:
    text = DOC.read_text()
    block = re.search(r"<!-- example-function-kind -->\n```python\n(.*?)```", text, re.DOTALL)
    assert block is not None, "the example block is missing from docs/architecture.md"
    namespace: dict[str, Any] = {}
    exec(compile(block[1], str(DOC), "exec"), namespace)
    return namespace


@pytest.fixture
def echo(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The example kind, added to the table as step 2 says (for this test only)."""
    kind = _example()["ECHO"]
    monkeypatch.setattr(function_kind_table, "FUNCTION_KINDS", (*FUNCTION_KINDS, kind))
    return kind


def _report(tmp_path: Path, function: dict[str, Any]) -> Any:
    document = {"region": "us-east-1", "account": "111111111111", "functions": {"f": function}}
    path = tmp_path / "headrace.yaml"
    path.write_text(yaml.safe_dump(document))
    return read_config(str(path))


def test_the_example_kind_fills_the_seam() -> None:
    """The documented kind is a FunctionKind with a name no registered kind uses."""
    kind = _example()["ECHO"]
    assert isinstance(kind, FunctionKind)
    assert kind.name not in {k.name for k in FUNCTION_KINDS}


def test_the_example_kind_is_recognised_alone() -> None:
    """Its Runtime is recognised by it and by no registered kind."""
    kind = _example()["ECHO"]
    assert kind.recognises({"Runtime": "echo"})
    assert not any(k.recognises({"Runtime": "echo"}) for k in FUNCTION_KINDS)
    assert not kind.recognises({"Runtime": "python3.12"})


def test_a_config_loads_with_the_registered_kind(echo: Any, tmp_path: Path) -> None:
    """Once in the table, config validates the entry by the kind's rules, not Python's:
    no Handler is needed, and the kind is found again for the built function."""
    report = _report(tmp_path, {"Runtime": "echo", "Timeout": 5})
    assert [str(p) for p in report.problems] == []
    assert kind_for(report.config.functions["f"]) is echo


def test_the_kind_reports_its_own_problems(echo: Any, tmp_path: Path) -> None:
    """The kind's rule reaches the file's problems with AWS's error name and the key."""
    report = _report(tmp_path, {"Runtime": "echo", "Handler": "orders.handler"})
    assert [str(p).split(": ", 1)[1] for p in report.problems] == [
        "functions.f: Handler: InvalidParameterValueException: Handler is not used by echo "
        "functions."
    ]


async def test_the_runtime_it_builds_answers_with_the_event(echo: Any, tmp_path: Path) -> None:
    """The runtime the kind builds (what app.py hands the engine) echoes each event."""
    function = _report(tmp_path, {"Runtime": "echo"}).config.functions["f"]
    settings = RuntimeSettings(concurrency=2, region="us-east-1", account="111111111111")
    runtime = kind_for(function).build(function, settings)
    async with runtime.reserve() as slot:
        result = await slot.invoke(b'{"Records": [1]}')
    assert result.ok
    assert json.loads(result.payload or b"") == {"Records": [1]}
    assert runtime.statistics().concurrency_limit == 2
    await runtime.aclose()
