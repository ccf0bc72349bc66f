"""Read a YAML file safely, keeping the problems YAML itself would hide.

PyYAML's safe loader silently keeps the last of two equal keys; a config that declares a
queue or function twice almost always has a mistake, so :func:`read_yaml` reports repeated
keys (with their lines) instead. Missing, unreadable and malformed files become one
problem each, naming the file and, for syntax errors, the line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from headrace.errors import ConfigProblem

# Codes of problems with the file itself (there is no AWS exception for these).
FILE_NOT_FOUND = "FileNotFound"
FILE_UNREADABLE = "FileUnreadable"
# CloudFormation's word for a template that is not well-formed YAML.
MALFORMED = "ValidationException"
# YAML's tag for merge keys (``<<: *base``), which may legitimately repeat keys.
MERGE_TAG = "tag:yaml.org,2002:merge"


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


class _Loader(yaml.SafeLoader):
    """A safe loader that notes repeated mapping keys instead of dropping them."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.repeated: list[_RepeatedKey] = []


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
        return YamlDocument(
            None, (ConfigProblem(where, MALFORMED, f"YAML not well-formed: {reason}"),)
        )
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
            f"duplicate key {r.key!r} (first at line {r.first_line}); "
            "YAML would keep only the last one",
        )
        for r in repeated
    ]


def _failed(label: str, code: str, message: str) -> YamlDocument:
    return YamlDocument(None, (ConfigProblem(label, code, message),))
