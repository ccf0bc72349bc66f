"""``CodeUri``: the local folder a code-running kind (Python today) runs from.

Shared by every kind whose code sits in a folder on this machine; a kind with no code
(an HTTP target) does not use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from headrace.functions.kinds.function_kind_seam import INVALID_PARAMETER

if TYPE_CHECKING:
    from pathlib import Path

    from headrace.functions.kinds.function_kind_seam import FunctionChecks, ProblemSink


def check_code_uri(data: Mapping[str, Any], checks: FunctionChecks) -> None:
    """A ``CodeUri`` must name a local folder, not an S3 or other URL."""
    code_uri = checks.optional_str("CodeUri")
    if code_uri is not None and "://" in code_uri:
        message = (
            f"CodeUri '{checks.clip(code_uri)}' is not a local folder; headrace runs handlers "
            "from a folder on this machine (relative paths resolve against the config file's "
            "folder)."
        )
        checks.add("CodeUri", INVALID_PARAMETER, message)


def code_folder_exists(code_uri: Path, sink: ProblemSink) -> bool:
    """Whether the ``CodeUri`` folder exists; reports it missing otherwise."""
    if code_uri.is_dir():
        return True
    sink.add("CodeUri", INVALID_PARAMETER, f"CodeUri folder does not exist: {code_uri}")
    return False
