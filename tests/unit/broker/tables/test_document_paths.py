"""Document paths: reading, writing and removing nested values, and projecting items."""

from __future__ import annotations

from typing import Any

import pytest

from headrace.broker.tables.document_paths import INVALID_PATH, project, read, removed, written
from headrace.broker.tables.expression_nodes import DocumentPath
from headrace.errors import ValidationException

ITEM: dict[str, Any] = {
    "id": {"S": "u1"},
    "map": {"M": {"a": {"N": "1"}, "list": {"L": [{"S": "x"}, {"S": "y"}, {"S": "z"}]}}},
}


def path(*elements: str | int) -> DocumentPath:
    return DocumentPath(elements)


def test_read_follows_members_and_indexes() -> None:
    """A path reads through maps and lists; anything missing on the way is None."""
    assert read(ITEM, path("map", "list", 1)) == {"S": "y"}
    assert read(ITEM, path("map", "list", 5)) is None
    assert read(ITEM, path("id", "deeper")) is None


def test_written_replaces_appends_and_leaves_the_original() -> None:
    """Writing a member or an index past the end (which appends) returns a new item."""
    changed = written(ITEM, path("map", "b"), {"N": "2"})
    changed = written(changed, path("map", "list", 9), {"S": "w"})
    assert read(changed, path("map", "b")) == {"N": "2"}
    assert read(changed, path("map", "list", 3)) == {"S": "w"}
    assert read(ITEM, path("map", "b")) is None


@pytest.mark.parametrize(
    "bad", [path("nope", "a"), path("id", "a"), path("map", 0), path("map", "list", 7, "x")]
)
def test_written_refuses_a_path_through_nothing_or_the_wrong_type(bad: DocumentPath) -> None:
    """A missing parent, or a map member of a non-map, is DynamoDB's invalid path error."""
    with pytest.raises(ValidationException, match=INVALID_PATH):
        written(ITEM, bad, {"N": "1"})


def test_removed_closes_up_lists_and_ignores_absent_paths() -> None:
    """Removing a list member shifts the rest; an absent path changes nothing."""
    changed = removed(ITEM, path("map", "list", 0))
    assert read(changed, path("map", "list")) == {"L": [{"S": "y"}, {"S": "z"}]}
    assert removed(ITEM, path("map", "nope")) is ITEM


def test_project_keeps_structure_and_closes_up_list_members() -> None:
    """Projecting nested paths builds the maps around them; list members keep their order."""
    projected = project(ITEM, [path("map", "list", 2), path("map", "list", 0), path("nope")])
    assert projected == {"map": {"M": {"list": {"L": [{"S": "x"}, {"S": "z"}]}}}}
