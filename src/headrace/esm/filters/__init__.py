"""Event filtering (``FilterCriteria``): EventBridge patterns compiled once, matched per record.

Use :func:`compile_filter_criteria` when a mapping is created or updated, then call
:meth:`FilterCriteria.matches` on each record before it joins a batch (§6.7). Semantics and
headrace's choices on what AWS leaves open are in ``docs/filtering.md``.
"""

from __future__ import annotations

from headrace.esm.filters.compiler import INVALID_PATTERN_MESSAGE
from headrace.esm.filters.criteria import (
    DEFAULT_MAX_FILTERS,
    MAX_PATTERN_LENGTH,
    FilterCriteria,
    compile_filter_criteria,
)

__all__ = [
    "DEFAULT_MAX_FILTERS",
    "INVALID_PATTERN_MESSAGE",
    "MAX_PATTERN_LENGTH",
    "FilterCriteria",
    "compile_filter_criteria",
]
