"""Every test of this folder runs once per source kind: ``embedded`` and ``sqs`` (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from behaviour_harness import Backend, EmbeddedBackend, Project, SqsBackend

# The kinds of queue the shared suite runs over.
SOURCE_KINDS = ("embedded", "sqs")


@pytest.fixture(params=SOURCE_KINDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """Where the test's queues live; ``sqs`` starts moto's server (once per session)."""
    chosen: Backend
    if request.param == "sqs":
        chosen = SqsBackend(request.getfixturevalue("moto_endpoint"))
    else:
        chosen = EmbeddedBackend()
    try:
        yield chosen
    finally:
        chosen.close()


@pytest.fixture
def project(tmp_path: Path, backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A project folder on the test's backend; no endpoint inherited from the shell."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_SQS", raising=False)
    return Project(tmp_path, backend)


@pytest.fixture
def sqs_project(
    tmp_path: Path, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Project]:
    """A project on real SQS (moto) only, for what only real SQS does."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_SQS", raising=False)
    backend = SqsBackend(moto_endpoint)
    try:
        yield Project(tmp_path, backend)
    finally:
        backend.close()
