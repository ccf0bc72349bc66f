"""Helpers of the dogfood tests: a headrace that reads another headrace's endpoint as AWS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conftest import MOTO_ENVIRONMENT, MOTO_UNSET

# The reader's account: another than the server's, so the ARNs it maps name no embedded
# queue or stream of its own and are read as AWS.
READER_ACCOUNT = "111111111111"


def reader_project(
    root: Path, endpoint: str, handler: str, mapping: dict[str, Any], *, timeout: int = 5
) -> Path:
    """A project in ``root`` whose function ``fn`` runs ``handler`` (``h.handle``, with
    ``LOG`` = ``root/log.jsonl``) and whose only mapping is ``mapping`` for ``fn``, read
    through AWS at ``endpoint``."""
    root.mkdir()
    (root / "src").mkdir()
    (root / "src" / "h.py").write_text(handler)
    data = {
        "region": "us-east-1",
        "account": READER_ACCOUNT,
        "data_dir": ".headrace",
        "aws": {"endpoint_url": endpoint},
        "functions": {
            "fn": {
                "Handler": "h.handle",
                "CodeUri": "./src",
                "Timeout": timeout,
                "Environment": {"Variables": {"LOG": str(root / "log.jsonl")}},
            }
        },
        "event_source_mappings": [{"FunctionName": "fn", **mapping}],
    }
    path = root / "headrace.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def aws_environment() -> Iterator[None]:
    """Dummy credentials and nothing of the developer's, as the moto tests have them."""
    patch = pytest.MonkeyPatch()
    for name, value in MOTO_ENVIRONMENT.items():
        patch.setenv(name, value)
    for name in MOTO_UNSET:
        patch.delenv(name, raising=False)
    try:
        yield
    finally:
        patch.undo()
