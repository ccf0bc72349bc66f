"""Fixtures for config tests: a working folder with a handler, and ways to read a document.

Tests run in a temporary folder holding ``headrace.yaml`` and a ``src/orders.py`` handler, so
problem locations read ``headrace.yaml: ...`` exactly as a user would see them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from headrace.config import Config, read_config


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with a handler module, made the working folder."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "orders.py").write_text("def handler(event, context):\n    return None\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def write(workdir: Path) -> Callable[[dict[str, Any] | str], Path]:
    """Write a document (a dict, dumped as YAML, or YAML text) to headrace.yaml."""

    def run(document: dict[str, Any] | str) -> Path:
        text = document if isinstance(document, str) else yaml.safe_dump(document)
        path = workdir / "headrace.yaml"
        path.write_text(text)
        return path

    return run


@pytest.fixture
def problems(write: Callable[[dict[str, Any] | str], Path]) -> Callable[[Any], list[str]]:
    """Every problem reading the document finds, as the lines ``headrace validate`` prints."""

    def run(document: dict[str, Any] | str) -> list[str]:
        write(document)
        return [str(p) for p in read_config("headrace.yaml").problems]

    return run


@pytest.fixture
def loaded(write: Callable[[dict[str, Any] | str], Path]) -> Callable[[Any], Config]:
    """The config a valid document loads to (fails the test on any problem)."""

    def run(document: dict[str, Any] | str) -> Config:
        write(document)
        report = read_config("headrace.yaml")
        assert [str(p) for p in report.problems] == []
        assert report.config is not None
        return report.config

    return run
