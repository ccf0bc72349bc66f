"""Config's door to the source-kind registry (:mod:`headrace.sources.kinds`).

Every per-kind rule (recognition, defaults and limits of §1.2 and §2.4, resolution against
the file, texts) lives in the kind's own module; config asks the kind and never compares
kinds. The registry imports nothing from :mod:`headrace.config` at run time, so importing
it here is safe.
"""

from __future__ import annotations

from headrace.sources.kinds.kind_seam import (
    SOURCE_FIELDS,
    STARTING_POSITIONS,
    Home,
    ResolvedSource,
    SourceDefaults,
    SourceKind,
    Unresolved,
)
from headrace.sources.kinds.kind_table import SOURCE_KINDS, kind_for, kind_of_arn, recognise

__all__ = [
    "SOURCE_FIELDS",
    "SOURCE_KINDS",
    "STARTING_POSITIONS",
    "Home",
    "ResolvedSource",
    "SourceDefaults",
    "SourceKind",
    "Unresolved",
    "kind_for",
    "kind_of_arn",
    "recognise",
]
