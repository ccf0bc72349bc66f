"""Query and Scan: key conditions, sort-key order, filters, projections and pages.

A page reads items until ``Limit`` items were read or their sizes reach 1 MB (the item
that reaches it is the page's last); ``ScannedCount`` counts the items read (for a Query,
those the key condition selected), ``Count`` those that passed the FilterExpression. A page
that stopped early carries ``LastEvaluatedKey``, the key of its last item read, even when no
item follows (DynamoDB does not look ahead either). Sort keys are ordered as DynamoDB orders
them: numbers by value, strings by UTF-8 bytes, binaries by bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from headrace.broker.tables import document_paths
from headrace.broker.tables.attribute_values import AttributeValue, Item, value_type
from headrace.broker.tables.expression_eval import holds, sortable
from headrace.broker.tables.expression_nodes import (
    And,
    Between,
    Comparison,
    Condition,
    DocumentPath,
    Function,
    In,
    Not,
    Operand,
    Or,
    Size,
    Value,
)
from headrace.broker.tables.keys import TableKeys
from headrace.broker.tables.sizes import item_size
from headrace.broker.tables.table_results import ReadPage
from headrace.broker.tables.updates import check_apart
from headrace.errors import ValidationException

# A Query or Scan page holds at most 1 MB of items (read before the filter).
MAX_PAGE_BYTES = 1024 * 1024
# Select's values, in the order DynamoDB's enum message lists them.
SELECT_VALUES = ("SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES")
# The sort-key comparisons a KeyConditionExpression allows (besides BETWEEN, begins_with).
_SORT_OPERATORS = ("=", "<", "<=", ">", ">=")
_BAD_START = "The provided starting key is invalid: "


@dataclass(frozen=True, kw_only=True, slots=True)
class ReadOptions:
    """What Query and Scan share: FilterExpression and ProjectionExpression (parsed),
    Select, Limit and ExclusiveStartKey. The defaults read everything, all attributes."""

    filter: Condition | None = None
    projection: tuple[DocumentPath, ...] | None = None
    select: str | None = None
    limit: int | None = None
    start_key: Mapping[str, Any] | None = None

    @property
    def count_only(self) -> bool:
        return self.select == "COUNT"


# Query and Scan without options: all items, all attributes.
EVERYTHING = ReadOptions()


@dataclass(frozen=True, slots=True)
class KeyCondition:
    """A checked KeyConditionExpression: the partition key's value, the sort key's test."""

    partition: AttributeValue
    sort: Condition | None


def check_options(options: ReadOptions, keys: TableKeys, *, query: bool) -> Item | None:
    """Check Select, Limit, the projection and filter; return the checked start key."""
    if options.select is not None and options.select not in SELECT_VALUES:
        raise ValidationException(
            f"1 validation error detected: Value '{options.select}' at 'select' failed to "
            f"satisfy constraint: Member must satisfy enum value set: [{', '.join(SELECT_VALUES)}]"
        )
    if options.select == "ALL_PROJECTED_ATTRIBUTES":
        raise ValidationException(
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
        )
    if options.projection is not None and options.select not in (None, "SPECIFIC_ATTRIBUTES"):
        raise ValidationException(
            f"Cannot specify the ProjectionExpression when choosing to get {options.select}"
        )
    if options.limit is not None and options.limit < 1:
        raise ValidationException(
            f"1 validation error detected: Value '{options.limit}' at 'limit' failed to "
            "satisfy constraint: Member must have value greater than or equal to 1"
        )
    for one, two in combinations(options.projection or (), 2):
        check_apart(one, two, "ProjectionExpression")
    if query and options.filter is not None:
        for path in condition_paths(options.filter):
            if len(path.elements) == 1 and path.elements[0] in keys.names:
                raise ValidationException(
                    "Filter Expression can only contain non-primary key attributes: "
                    f"Primary key attribute: {path.elements[0]}"
                )
    if options.start_key is None:
        return None
    try:
        return keys.check_key(options.start_key)
    except ValidationException as error:
        raise ValidationException(_BAD_START + error.message) from None


def condition_paths(condition: Condition) -> Iterator[DocumentPath]:
    """Every document path a condition reads."""
    if isinstance(condition, (And, Or)):
        yield from condition_paths(condition.left)
        yield from condition_paths(condition.right)
    elif isinstance(condition, Not):
        yield from condition_paths(condition.condition)
    else:
        operands = condition_operands(condition)
        for operand in operands:
            if isinstance(operand, Size):
                yield operand.path
            elif isinstance(operand, DocumentPath):
                yield operand


def key_condition(condition: Condition, keys: TableKeys) -> KeyCondition:
    """Check a KeyConditionExpression: ``hash = :v`` and at most one test of the sort key."""
    parts = [condition.left, condition.right] if isinstance(condition, And) else [condition]
    by_name: dict[str, Condition] = {}
    for part in parts:
        name = _key_part(part, keys)
        if name in by_name:
            raise ValidationException(
                "KeyConditionExpressions must only contain one condition per key"
            )
        by_name[name] = part
    hash_key = next(a for a in keys.attributes if a.is_hash)
    partition = by_name.pop(hash_key.name, None)
    if partition is None:
        raise ValidationException(f"Query condition missed key schema element: {hash_key.name}")
    if not isinstance(partition, Comparison) or partition.operator != "=":
        raise ValidationException("Query key condition not supported")
    assert isinstance(partition.right, Value)
    return KeyCondition(partition.right.value, next(iter(by_name.values()), None))


def _key_part(part: Condition, keys: TableKeys) -> str:
    """The key attribute a part tests; refuse anything but a key test with values."""
    if isinstance(part, (And, Or, Not, In)) or (
        isinstance(part, Comparison) and part.operator not in _SORT_OPERATORS
    ):
        word = {And: "AND", Or: "OR", Not: "NOT", In: "IN"}.get(type(part), "<>")
        raise ValidationException(f"Invalid operator used in KeyConditionExpression: {word}")
    if isinstance(part, Function) and part.name != "begins_with":
        raise ValidationException(f"Invalid operator used in KeyConditionExpression: {part.name}")
    operands = condition_operands(part)
    subject, values = operands[0], operands[1:]
    if not isinstance(subject, DocumentPath) or len(subject.elements) != 1:
        raise ValidationException("Query key condition not supported")
    name = str(subject.elements[0])
    types = {a.name: a.attribute_type for a in keys.attributes}
    if name not in types or not all(isinstance(v, Value) for v in values):
        raise ValidationException("Query key condition not supported")
    for value in values:
        assert isinstance(value, Value)
        if value_type(value.value) != types[name]:
            raise ValidationException(
                "One or more parameter values were invalid: Condition parameter type does "
                "not match schema type"
            )
    if isinstance(part, Function) and types[name] == "N":
        raise ValidationException(
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: NUMBER"
        )
    return name


def condition_operands(part: Comparison | Between | In | Function) -> tuple[Operand, ...]:
    """The operands of one comparison, BETWEEN, IN or function."""
    if isinstance(part, Comparison):
        return (part.left, part.right)
    if isinstance(part, Between):
        return (part.operand, part.low, part.high)
    if isinstance(part, In):
        return (part.operand, *part.choices)
    return part.arguments


def partition_in_order(
    items: Iterable[Item], keys: TableKeys, condition: KeyCondition, *, forward: bool
) -> list[Item]:
    """The partition's items that the sort-key test selects, in sort-key order."""
    sort_name = _sort_name(keys)
    if condition.sort is not None:
        items = [item for item in items if holds(condition.sort, item)]
    if sort_name is None:
        return list(items)
    return sorted(items, key=lambda item: sortable(item[sort_name]), reverse=not forward)


def after_start(
    items: list[Item], keys: TableKeys, start: Item, partition: AttributeValue, *, forward: bool
) -> list[Item]:
    """The items of a Query page that follow ExclusiveStartKey ``start``."""
    hash_name = next(a.name for a in keys.attributes if a.is_hash)
    if start[hash_name] != partition:
        raise ValidationException(
            "The provided starting key is outside query boundaries based on provided conditions"
        )
    sort_name = _sort_name(keys)
    if sort_name is None:
        return []
    after = sortable(start[sort_name])
    if forward:
        return [item for item in items if sortable(item[sort_name]) > after]
    return [item for item in items if sortable(item[sort_name]) < after]


def _sort_name(keys: TableKeys) -> str | None:
    return next((a.name for a in keys.attributes if not a.is_hash), None)


def read_page(items: Iterable[Item], keys: TableKeys, options: ReadOptions) -> ReadPage:
    """Read one page from ``items`` (in order) as the module docstring says."""
    found: list[Item] = []
    scanned = size = 0
    last: Item | None = None
    for item in items:
        scanned += 1
        size += item_size(item)
        if options.filter is None or holds(options.filter, item):
            found.append(item)
        if scanned == options.limit or size >= MAX_PAGE_BYTES:
            last = {a.name: item[a.name] for a in keys.attributes}
            break
    if options.projection is not None:
        found = [document_paths.project(item, options.projection) for item in found]
    shown: tuple[Item, ...] = () if options.count_only else tuple(found)
    return ReadPage(
        items=shown,
        count=len(found),
        scanned_count=scanned,
        last_evaluated_key=last,
        count_only=options.count_only,
    )
