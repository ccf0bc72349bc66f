"""Fixtures of the end-to-end tests; the helpers live in :mod:`e2e_project`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_project import Project


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    """A project folder; every process a test started is gone after it."""
    proj = Project(tmp_path)
    try:
        yield proj
    finally:
        proj.close()


@pytest.fixture(autouse=True)
def _no_inherited_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI must not pick anything up from the developer's shell.
    for name in ("AWS_ENDPOINT_URL", "E2E_DIR", "E2E_RECORD_SLEEP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHONUNBUFFERED", "1")
