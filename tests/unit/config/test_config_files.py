"""validate_files / check_config: what `headrace validate` adds: CodeUri and handler files exist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from config_docs import Write, base_document

from headrace.config import check_config, load_config, validate_files

AT = "headrace.yaml: functions.f"


def with_handler(handler: str, code_uri: str = "src") -> dict[str, Any]:
    document = base_document()
    document["functions"]["f"] = {"Handler": handler, "CodeUri": code_uri}
    return document


def file_problems(write: Write, document: dict[str, Any]) -> list[str]:
    return [str(p) for p in validate_files(load_config(write(document)))]


def test_existing_module_passes(write: Write) -> None:
    """design: orders.handler is found as src/orders.py."""
    assert file_problems(write, with_handler("orders.handler")) == []


def test_package_module_passes(write: Write, workdir: Path) -> None:
    """design: a handler module may be a package (orders/__init__.py)."""
    (workdir / "src" / "billing").mkdir()
    (workdir / "src" / "billing" / "__init__.py").write_text("")
    assert file_problems(write, with_handler("billing.handler")) == []


@pytest.mark.parametrize("handler", ["pkg.jobs.run", "pkg/jobs.run"])
def test_dotted_and_slashed_modules_pass(write: Write, workdir: Path, handler: str) -> None:
    """design: pkg.jobs.run and Lambda's pkg/jobs.run both find src/pkg/jobs.py."""
    (workdir / "src" / "pkg").mkdir()
    (workdir / "src" / "pkg" / "jobs.py").write_text("def run(e, c):\n    pass\n")
    assert file_problems(write, with_handler(handler)) == []


@pytest.mark.parametrize(
    ("handler", "file"),
    [
        ("kinesis-consumer-fn.lambda_handler", "kinesis-consumer-fn.py"),
        ("dir/sub-mod.handler", "dir/sub-mod.py"),
    ],
)
def test_hyphenated_module_files_pass(write: Write, workdir: Path, handler: str, file: str) -> None:
    """design: any file name Lambda's runtime imports, kinesis-consumer-fn.py included."""
    path = workdir / "src" / file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("def handler(e, c):\n    pass\n\n\nlambda_handler = handler\n")
    assert file_problems(write, with_handler(handler)) == []


def test_missing_module(write: Write, workdir: Path) -> None:
    """design: a handler module that is not there is Lambda's Runtime.ImportModuleError."""
    src = workdir / "src"
    assert file_problems(write, with_handler("payments.handler")) == [
        f"{AT}: Handler: Runtime.ImportModuleError: Unable to import module 'payments': No "
        f"module named 'payments' (looked for payments.py and payments/__init__.py in {src})"
    ]


def test_missing_code_uri_folder(write: Write, workdir: Path) -> None:
    """design: a CodeUri folder that does not exist is reported (and its handler not looked for)."""
    assert file_problems(write, with_handler("orders.handler", code_uri="lambda")) == [
        f"{AT}: CodeUri: InvalidParameterValueException: CodeUri folder does not exist: "
        f"{workdir / 'lambda'}"
    ]


def test_handler_module_is_not_imported(write: Write, workdir: Path) -> None:
    """design: validate never imports handlers (a module that raises on import still passes)."""
    (workdir / "src" / "boom.py").write_text("raise SystemExit('imported!')\n")
    assert file_problems(write, with_handler("boom.handler")) == []


def test_check_config_reports_config_and_file_problems_together(write: Write) -> None:
    """design: `headrace validate` lists every problem at once: the file's and the handlers'."""
    document = with_handler("payments.handler")
    document["queues"]["orders"]["DelaySeconds"] = 901
    write(document)
    assert [p.location for p in check_config("headrace.yaml")] == [
        "headrace.yaml: queues.orders: DelaySeconds",
        f"{AT}: Handler",
    ]


def test_check_config_of_a_missing_file(workdir: Path) -> None:
    """design: a missing file is one problem, with no file checks after it."""
    assert [p.code for p in check_config("absent.yaml")] == ["FileNotFound"]
