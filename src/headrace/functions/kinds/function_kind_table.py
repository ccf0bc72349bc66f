"""The one table of function kinds, and how a function's kind is found in it.

Recognition reads the function's AWS keys. A ``Runtime`` that no kind claims runs on the
Python runtime, as every function did before kinds existed (``Runtime`` was accepted and
not read); issue 12 turns an unknown ``Runtime`` into an error naming the function, here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from headrace.functions.kinds.function_kind_seam import FunctionKind
from headrace.functions.kinds.python_kind import PYTHON

if TYPE_CHECKING:
    from headrace.config.model import FunctionConfig

FUNCTION_KINDS: tuple[FunctionKind, ...] = (PYTHON,)

# The kind of a function whose Runtime no kind recognises (today's behaviour, see above).
FALLBACK_KIND: FunctionKind = PYTHON


def recognise(data: Mapping[str, Any]) -> FunctionKind | None:
    """The kind whose keys ``data`` (a function entry, AWS-cased) holds, or None."""
    for kind in FUNCTION_KINDS:
        if kind.recognises(data):
            return kind
    return None


def kind_of_entry(data: Mapping[str, Any]) -> FunctionKind:
    """The kind that runs a function entry: its recognised kind, else :data:`FALLBACK_KIND`."""
    return recognise(data) or FALLBACK_KIND


def kind_for(function: FunctionConfig) -> FunctionKind:
    """The kind of a built function (from the keys it kept)."""
    return kind_of_entry(function.kind_fields())


def kind_named(name: str) -> FunctionKind:
    """The registered kind called ``name``; KeyError if there is none."""
    for kind in FUNCTION_KINDS:
        if kind.name == name:
            return kind
    raise KeyError(name)
