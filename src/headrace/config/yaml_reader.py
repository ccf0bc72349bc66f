"""Read a YAML file safely, keeping the problems YAML itself would hide.

PyYAML's safe loader silently keeps the last of two equal keys; a config that declares a
queue or function twice almost always has a mistake, so :func:`read_yaml` reports repeated
keys (with their lines) instead. Missing, unreadable and malformed files become one
problem each, naming the file and, for syntax errors, the line and column.

It also refuses documents that would cost far more to check than to read, each with one
problem naming the line: aliases that expand past :data:`MAX_ALIAS_NODES` nodes (an "alias
bomb": nine nested aliases make a short file stand for hundreds of millions of values),
an alias inside the collection it names (a value that contains itself), collections nested
deeper than :data:`MAX_DEPTH`, and numbers written with more than
:data:`MAX_NUMBER_CHARACTERS` characters, or that PyYAML cannot build (``2024-13-45``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from headrace.config.quoting import quoted
from headrace.errors import ConfigProblem

# Codes of problems with the file itself (there is no AWS exception for these).
FILE_NOT_FOUND = "FileNotFound"
FILE_UNREADABLE = "FileUnreadable"
# CloudFormation's word for a template that is not well-formed YAML.
MALFORMED = "ValidationException"
# YAML's tag for merge keys (``<<: *base``), which may legitimately repeat keys.
MERGE_TAG = "tag:yaml.org,2002:merge"
# Nodes that aliases may add to a document, all uses together. Shared blocks in a config or
# template (``<<: *defaults`` in each function) add hundreds or thousands; an alias bomb adds
# billions, which every later check would walk and every message would try to quote.
MAX_ALIAS_NODES = 100_000
# Collections nested deeper than any config or template needs; it keeps PyYAML's recursive
# composer (two Python frames a level) far from the interpreter's recursion limit.
MAX_DEPTH = 100
# Python builds no integer of more than 4300 digits, and a longer sexagesimal number
# (``1:2:3:...``) takes PyYAML quadratic time; no setting needs a number this long.
MAX_NUMBER_CHARACTERS = 4300


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """The parsed document (None if it could not be read) and the problems found reading it."""

    data: Any
    problems: tuple[ConfigProblem, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class _RepeatedKey:
    key: str
    line: int
    first_line: int


class _Refused(yaml.MarkedYAMLError):
    """A document headrace will not build: too many alias expansions, too deep, ..."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem=problem, problem_mark=mark)


class _Loader(yaml.SafeLoader):
    """A safe loader that notes repeated keys and refuses documents too costly to check."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.repeated: list[_RepeatedKey] = []
        self.alias_nodes = 0  # nodes added by alias uses so far
        self.depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> nodes it stands for, aliases expanded

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        """Count what each alias adds and how deep collections go, before composing."""
        self.check_event()  # peeks: the next event is now current_event
        event: yaml.Event = self.current_event
        if isinstance(event, yaml.AliasEvent):
            self._charge(event)
            return super().compose_node(parent, index)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _Refused(
                    f"collections nested deeper than {MAX_DEPTH} levels", event.start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def _charge(self, event: yaml.AliasEvent) -> None:
        node = self.anchors.get(event.anchor)
        if node is None:
            return  # PyYAML reports the undefined alias
        if node.end_mark is None:
            raise _Refused(f"alias *{event.anchor} is inside the value it names", event.start_mark)
        self.alias_nodes += self._size(node)
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise _Refused(
                f"aliases expand to more than {MAX_ALIAS_NODES} values (at *{event.anchor}); "
                "write the values out or share less through aliases",
                event.start_mark,
            )

    def _size(self, node: yaml.Node) -> int:
        """How many nodes ``node`` stands for with its aliases expanded (memoised, no recursion)."""
        sizes = self._sizes
        pending: list[tuple[yaml.Node, bool]] = [(node, False)]
        while pending:
            current, children_done = pending.pop()
            if id(current) in sizes:
                continue
            children = _children(current)
            if children_done:
                sizes[id(current)] = 1 + sum(sizes[id(child)] for child in children)
            else:
                pending.append((current, True))
                pending.extend((child, False) for child in children)
        return sizes[id(node)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    first_lines: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
            continue
        key = loader.construct_object(key_node)
        line = key_node.start_mark.line + 1
        if key in first_lines:
            loader.repeated.append(_RepeatedKey(str(key), line, first_lines[key]))
        else:
            first_lines[key] = line
    return loader.construct_mapping(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _bounded(construct: Callable[[Any, yaml.ScalarNode], Any]) -> Callable[..., Any]:
    """A scalar constructor that refuses over-long numbers and turns its errors into problems."""

    def bounded(loader: _Loader, node: yaml.ScalarNode) -> Any:
        if node.tag != _TIMESTAMP_TAG and len(node.value) > MAX_NUMBER_CHARACTERS:
            raise _Refused(
                f"a number written with more than {MAX_NUMBER_CHARACTERS} characters",
                node.start_mark,
            )
        try:
            return construct(loader, node)
        except (ValueError, OverflowError) as error:
            raise _Refused(f"cannot read {quoted(node.value)}: {error}", node.start_mark) from None

    return bounded


# YAML's tag for dates and times, the scalar type that may fail to build without being long.
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
for _tag, _construct in (
    ("tag:yaml.org,2002:int", yaml.SafeLoader.construct_yaml_int),
    ("tag:yaml.org,2002:float", yaml.SafeLoader.construct_yaml_float),
    (_TIMESTAMP_TAG, yaml.SafeLoader.construct_yaml_timestamp),
):
    _Loader.add_constructor(_tag, _bounded(_construct))


def read_yaml(path: Path, label: str) -> YamlDocument:
    """Parse ``path``; problems are located as ``label`` (the file as the user named it)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return _failed(label, FILE_NOT_FOUND, f"no such file: {path}")
    except (OSError, UnicodeDecodeError) as error:
        return _failed(label, FILE_UNREADABLE, f"cannot read {path}: {error}")
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{label}: line {mark.line + 1}, column {mark.column + 1}" if mark else label
        reason = error.problem or error.context or "not well-formed"
        what = "YAML refused" if isinstance(error, _Refused) else "YAML not well-formed"
        return YamlDocument(None, (ConfigProblem(where, MALFORMED, f"{what}: {reason}"),))
    except yaml.YAMLError as error:
        return _failed(label, MALFORMED, f"YAML not well-formed: {error}")
    finally:
        loader.dispose()
    return YamlDocument(data, tuple(_repeated_problems(label, loader.repeated)))


def _repeated_problems(label: str, repeated: list[_RepeatedKey]) -> list[ConfigProblem]:
    return [
        ConfigProblem(
            f"{label}: line {r.line}",
            MALFORMED,
            f"duplicate key {quoted(r.key)} (first at line {r.first_line}); "
            "YAML would keep only the last one",
        )
        for r in repeated
    ]


def _failed(label: str, code: str, message: str) -> YamlDocument:
    return YamlDocument(None, (ConfigProblem(label, code, message),))
