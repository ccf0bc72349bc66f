"""Checks that other packages own, called by config validation.

Queue names are the embedded broker's rule (:mod:`headrace.broker.names`) and filter
patterns are the engine's (:mod:`headrace.esm.filters`). Both are imported inside the
functions: those packages import :mod:`headrace.config` themselves, so module-level imports
here would be circular.
"""

from __future__ import annotations

from headrace.config.kinds import SourceKind
from headrace.errors import InvalidParameterValueException, ValidationException


def queue_name_problem(name: str, fifo: bool) -> str | None:
    """SQS's complaint about a queue name (length, characters, ``.fifo`` suffix), or None."""
    from headrace.broker.names import validate_queue_name

    return validate_queue_name(name, fifo)


def filter_pattern_problem(
    pattern: str, kind: SourceKind
) -> InvalidParameterValueException | ValidationException | None:
    """The error AWS gives for one filter pattern on a ``kind`` source, or None if it is valid."""
    from headrace.esm.filters import compile_filter_criteria

    try:
        compile_filter_criteria([pattern], kind)
    except (InvalidParameterValueException, ValidationException) as error:
        return error
    return None
