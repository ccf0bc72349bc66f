"""Parsed DynamoDB expressions: document paths, operands, conditions and update actions.

Placeholders are already resolved: a :class:`DocumentPath` holds real attribute names, a
:class:`Value` a normalised attribute value. All nodes are frozen (a parsed expression can
be handed to another thread, or reused).
"""

from __future__ import annotations

from dataclasses import dataclass

from headrace.broker.tables.attribute_values import AttributeValue


@dataclass(frozen=True, slots=True)
class DocumentPath:
    """A document path: attribute names (str) and list indexes (int), outermost first."""

    elements: tuple[str | int, ...]

    def __str__(self) -> str:
        text = ""
        for element in self.elements:
            text += f"[{element}]" if isinstance(element, int) else f".{element}"
        return text.lstrip(".")

    def described(self) -> str:
        """The path as DynamoDB's messages show it: ``[a, b, [0]]``."""
        parts = (f"[{e}]" if isinstance(e, int) else e for e in self.elements)
        return f"[{', '.join(parts)}]"

    def overlaps(self, other: DocumentPath) -> bool:
        """One path is the other or lies inside it."""
        shorter = min(len(self.elements), len(other.elements))
        return self.elements[:shorter] == other.elements[:shorter]

    def conflicts(self, other: DocumentPath) -> bool:
        """At the first difference one path names a map member and the other a list index."""
        for mine, theirs in zip(self.elements, other.elements, strict=False):
            if mine != theirs:
                return isinstance(mine, int) != isinstance(theirs, int)
        return False


@dataclass(frozen=True, slots=True)
class Value:
    """An ExpressionAttributeValues value (``:v``), normalised."""

    value: AttributeValue


@dataclass(frozen=True, slots=True)
class Size:
    """``size(path)``: a number, or nothing when the path is absent or has no size."""

    path: DocumentPath


@dataclass(frozen=True, slots=True)
class IfNotExists:
    """``if_not_exists(path, operand)`` (UpdateExpression SET only)."""

    path: DocumentPath
    default: Operand


@dataclass(frozen=True, slots=True)
class ListAppend:
    """``list_append(first, second)`` (UpdateExpression SET only)."""

    first: Operand
    second: Operand


@dataclass(frozen=True, slots=True)
class Arithmetic:
    """``left + right`` or ``left - right`` (UpdateExpression SET only)."""

    operator: str
    left: Operand
    right: Operand


Operand = DocumentPath | Value | Size | IfNotExists | ListAppend | Arithmetic


@dataclass(frozen=True, slots=True)
class Comparison:
    """``left OP right`` with OP one of = <> < <= > >=."""

    operator: str
    left: Operand
    right: Operand


@dataclass(frozen=True, slots=True)
class Between:
    """``operand BETWEEN low AND high`` (both ends included)."""

    operand: Operand
    low: Operand
    high: Operand


@dataclass(frozen=True, slots=True)
class In:
    """``operand IN (choice, ...)``."""

    operand: Operand
    choices: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class Function:
    """A condition function: attribute_exists, attribute_not_exists, attribute_type,
    begins_with or contains, with its arguments."""

    name: str
    arguments: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class And:
    left: Condition
    right: Condition


@dataclass(frozen=True, slots=True)
class Or:
    left: Condition
    right: Condition


@dataclass(frozen=True, slots=True)
class Not:
    condition: Condition


Condition = Comparison | Between | In | Function | And | Or | Not


@dataclass(frozen=True, slots=True)
class UpdateAction:
    """One action of an UpdateExpression: ``clause`` is SET, REMOVE, ADD or DELETE.

    ``value`` is the SET operand or the ADD/DELETE value (None for REMOVE).
    """

    clause: str
    path: DocumentPath
    value: Operand | None = None


@dataclass(frozen=True, slots=True)
class UpdateExpression:
    """A parsed UpdateExpression: its actions, in the order written, clause by clause."""

    actions: tuple[UpdateAction, ...]

    def paths(self) -> list[DocumentPath]:
        """Every path an action writes, in action order."""
        return [action.path for action in self.actions]
