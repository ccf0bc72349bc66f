"""Checks that other packages own, called by config validation.

Queue names are the embedded broker's rule (:mod:`headrace.broker.names`) and filter
patterns are the engine's (:mod:`headrace.esm.filters`). They are imported inside the
functions: the filters package imports :mod:`headrace.config`, so a module-level import
would be circular.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from headrace.config.kinds import SourceKind
from headrace.errors import InvalidParameterValueException, ValidationException


def queue_name_problem(name: str, fifo: bool) -> str | None:
    """SQS's complaint about a queue name (length, characters, ``.fifo`` suffix), or None."""
    check = _optional("headrace.broker.names", "validate_queue_name")
    if check is None:
        return None
    problem: str | None = check(name, fifo)
    return problem


def filter_pattern_problem(
    pattern: str, kind: SourceKind
) -> InvalidParameterValueException | ValidationException | None:
    """The error AWS gives for one filter pattern on a ``kind`` source, or None if it is valid."""
    # Imported here: headrace.esm.filters itself imports headrace.config.
    from headrace.esm.filters import compile_filter_criteria

    try:
        compile_filter_criteria([pattern], kind)
    except (InvalidParameterValueException, ValidationException) as error:
        return error
    return None


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    """``module.name`` if that module exists yet (it is being written in parallel)."""
    try:
        found: Callable[..., Any] = getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as error:
        if error.name != module:
            raise
        return None
    return found
