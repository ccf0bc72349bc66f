"""User values quoted in problems: never longer than :data:`QUOTE_LIMIT` characters.

A value in a config can be anything YAML builds: a 100 KB string, a list of a million
items, a structure shared through aliases whose full text would take gigabytes, one that
contains itself, or an integer too long for ``str()``. Problems quote values only through
:func:`clip`, :func:`quoted` (``repr``-like) and :func:`as_text` (``str``-like), which write
a value piece by piece and stop once the limit is reached, ending the text with "…". Every
nesting level writes a bracket before descending, so the walk never goes deeper than the
limit either, even into a value that contains itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

# Characters of a user value a problem quotes: enough to recognise it, one line at most.
QUOTE_LIMIT = 80
# Integers longer than this many bits are described instead of written: str() of a big
# integer takes quadratic time, and Python refuses more than 4300 digits.
_MAX_INT_BITS = 512
# Marks a quoted value that was cut short.
ELLIPSIS = "…"


def clip(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text``, or its first ``limit - 1`` characters and "…"."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def quoted(value: object) -> str:
    """``repr(value)``, bounded: ``'orders'``, ``[1, 2]``, ``{'a': …``."""
    return _bounded(_pieces(value, as_repr=True))


def as_text(value: object) -> str:
    """``str(value)``, bounded: ``orders``, ``[1, 2]``."""
    return _bounded(_pieces(value, as_repr=False))


def aws_list(values: Iterable[object]) -> str:
    """A list as AWS's validation messages write it, bounded: ``[a, b]``."""
    return _bounded(_sequence(values, "[", "]", as_repr=False))


def _bounded(pieces: Iterator[str]) -> str:
    written: list[str] = []
    length = 0
    for piece in pieces:
        written.append(piece)
        length += len(piece)
        if length > QUOTE_LIMIT:
            break
    return clip("".join(written))


def _pieces(value: object, *, as_repr: bool) -> Iterator[str]:
    """The text of ``value`` in pieces; a container's items are written as ``repr``."""
    if isinstance(value, str | bytes):
        head = value[: QUOTE_LIMIT + 1]
        yield repr(head) if as_repr or isinstance(head, bytes) else str(head)
    elif isinstance(value, int) and not isinstance(value, bool):
        yield str(value) if value.bit_length() <= _MAX_INT_BITS else "<a very long integer>"
    elif isinstance(value, list):
        yield from _sequence(value, "[", "]", as_repr=True)
    elif isinstance(value, tuple):
        yield from _sequence(value, "(", ")", as_repr=True)
    elif isinstance(value, Mapping):
        yield from _mapping(value)
    else:
        yield repr(value) if as_repr else str(value)


def _sequence(values: Iterable[object], start: str, end: str, *, as_repr: bool) -> Iterator[str]:
    yield start
    for index, item in enumerate(values):
        if index:
            yield ", "
        yield from _pieces(item, as_repr=as_repr)
    yield end


def _mapping(value: Mapping[object, object]) -> Iterator[str]:
    yield "{"
    for index, (key, item) in enumerate(value.items()):
        if index:
            yield ", "
        yield from _pieces(key, as_repr=True)
        yield ": "
        yield from _pieces(item, as_repr=True)
    yield "}"
