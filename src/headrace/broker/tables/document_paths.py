"""Document paths in items: read a value, write or remove one, project an item onto paths.

Items are never changed in place: :func:`written` and :func:`removed` return a new item that
shares the untouched parts with the old one (stored items may be shared with readers).
DynamoDB's rules: writing ``a.b`` needs ``a`` to be a map, writing ``a[i]`` needs ``a`` to be a
list (an index past its end appends); otherwise "The document path provided in the update
expression is invalid for update". Removing an absent path changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from headrace.broker.tables.attribute_values import AttributeValue, Item
from headrace.broker.tables.expression_nodes import DocumentPath
from headrace.errors import ValidationException

INVALID_PATH = "The document path provided in the update expression is invalid for update"


def read(item: Mapping[str, AttributeValue], path: DocumentPath) -> AttributeValue | None:
    """The value at ``path``, or None if the item has nothing there."""
    first, *rest = path.elements
    current = item.get(str(first))
    for element in rest:
        current = None if current is None else _child(current, element)
    return current


def _child(value: AttributeValue, element: str | int) -> AttributeValue | None:
    if isinstance(element, int):
        members = value.get("L")
        return members[element] if members is not None and element < len(members) else None
    return value["M"].get(element) if "M" in value else None


def written(item: Item, path: DocumentPath, value: AttributeValue) -> Item:
    """``item`` with ``value`` at ``path`` (see the module docstring for the rules)."""
    first, *rest = path.elements
    return {**item, str(first): _written_in(item.get(str(first)), rest, value)}


def _written_in(
    current: AttributeValue | None, rest: list[str | int], value: AttributeValue
) -> AttributeValue:
    if not rest:
        return value
    element, *deeper = rest
    if current is None:
        raise ValidationException(INVALID_PATH)
    if isinstance(element, int):
        if "L" not in current:
            raise ValidationException(INVALID_PATH)
        members = list(current["L"])
        if element < len(members):
            members[element] = _written_in(members[element], deeper, value)
        elif deeper:
            raise ValidationException(INVALID_PATH)
        else:
            members.append(value)
        return {"L": members}
    if "M" not in current:
        raise ValidationException(INVALID_PATH)
    members_by_name = dict(current["M"])
    members_by_name[element] = _written_in(members_by_name.get(element), deeper, value)
    return {"M": members_by_name}


def removed(item: Item, path: DocumentPath) -> Item:
    """``item`` without the value at ``path`` (unchanged if there is none)."""
    if read(item, path) is None:
        return item
    first, *rest = path.elements
    if not rest:
        return {name: value for name, value in item.items() if name != first}
    return {**item, str(first): _removed_in(item[str(first)], rest)}


def _removed_in(current: AttributeValue, rest: list[str | int]) -> AttributeValue:
    element, *deeper = rest
    if isinstance(element, int):
        members = list(current["L"])
        if deeper:
            members[element] = _removed_in(members[element], deeper)
        else:
            del members[element]
        return {"L": members}
    by_name = dict(current["M"])
    if deeper:
        by_name[element] = _removed_in(by_name[element], deeper)
    else:
        del by_name[element]
    return {"M": by_name}


@dataclass(slots=True)
class _Branch:
    """A map or list being built by :func:`project`; list members keyed by their index."""

    kind: str
    children: dict[str | int, _Branch | AttributeValue] = field(default_factory=dict)

    def value(self) -> AttributeValue:
        built = {key: _built(child) for key, child in self.children.items()}
        if self.kind == "M":
            return {"M": built}
        return {"L": [built[index] for index in sorted(built, key=int)]}


def _built(node: _Branch | AttributeValue) -> AttributeValue:
    return node.value() if isinstance(node, _Branch) else node


def project(item: Mapping[str, AttributeValue], paths: Iterable[DocumentPath]) -> Item:
    """The parts of ``item`` at ``paths``, in their places (ProjectionExpression's result).

    List members keep their order and close up (``a[1], a[3]`` give a two-member list).
    Paths must not overlap (the caller checks).
    """
    top = _Branch("M")
    for path in paths:
        value = read(item, path)
        if value is None:
            continue
        branch = top
        *parents, last = path.elements
        for element, following in zip(parents, path.elements[1:], strict=True):
            kind = "L" if isinstance(following, int) else "M"
            found = branch.children.setdefault(element, _Branch(kind))
            assert isinstance(found, _Branch)  # paths do not overlap
            branch = found
        branch.children[last] = value
    return {str(name): _built(child) for name, child in top.children.items()}
