"""The expression parser: grammar, placeholders, precedence and DynamoDB's error texts."""

from __future__ import annotations

from typing import Any

import pytest

from headrace.broker.tables.expression_nodes import (
    And,
    Arithmetic,
    Between,
    Comparison,
    DocumentPath,
    Function,
    IfNotExists,
    In,
    ListAppend,
    Not,
    Or,
    Size,
    UpdateAction,
    Value,
)
from headrace.broker.tables.expression_tokens import tokenize
from headrace.broker.tables.expressions import parse_expressions
from headrace.errors import ValidationException

ONE = {"N": "1"}
ANN = {"S": "Ann"}


def path(*elements: str | int) -> DocumentPath:
    return DocumentPath(elements)


def refused(**request: Any) -> str:
    """The message of the ValidationException that parsing ``request`` raises."""
    with pytest.raises(ValidationException) as raised:
        parse_expressions(**request)
    return raised.value.message


def test_tokens_keep_positions_and_end_with_eof() -> None:
    """The lexer splits names, placeholders, indexes and operators, then <EOF>."""
    tokens = tokenize("a.#b[3] <= :v")
    assert [(t.kind, t.text) for t in tokens] == [
        ("name", "a"),
        ("operator", "."),
        ("name_placeholder", "#b"),
        ("operator", "["),
        ("index", "3"),
        ("operator", "]"),
        ("operator", "<="),
        ("value_placeholder", ":v"),
        ("eof", "<EOF>"),
    ]


def test_update_clauses_in_any_order_with_names_and_values() -> None:
    """REMOVE before SET, ADD and DELETE: each clause parses into its actions, in order."""
    parsed = parse_expressions(
        update="REMOVE old, a.b[2] SET #n = :n ADD hits :one DELETE tags :t",
        names={"#n": "name"},
        values={":n": ANN, ":one": ONE, ":t": {"SS": ["x"]}},
    )
    assert parsed.update is not None
    assert parsed.update.actions == (
        UpdateAction("REMOVE", path("old")),
        UpdateAction("REMOVE", path("a", "b", 2)),
        UpdateAction("SET", path("name"), Value(ANN)),
        UpdateAction("ADD", path("hits"), Value(ONE)),
        UpdateAction("DELETE", path("tags"), Value({"SS": ["x"]})),
    )


def test_set_functions_and_arithmetic() -> None:
    """SET takes if_not_exists, list_append and one + or - between operands."""
    parsed = parse_expressions(
        update="SET n = if_not_exists(n, :one) + :one, l = list_append(:l, l), m = n - :one",
        values={":one": ONE, ":l": {"L": []}},
    )
    assert parsed.update is not None
    values = [action.value for action in parsed.update.actions]
    assert values == [
        Arithmetic("+", IfNotExists(path("n"), Value(ONE)), Value(ONE)),
        ListAppend(Value({"L": []}), path("l")),
        Arithmetic("-", path("n"), Value(ONE)),
    ]


def test_condition_precedence_not_then_and_then_or() -> None:
    """NOT binds tighter than AND, AND tighter than OR; parentheses regroup."""
    values = {":a": ONE}
    loose = parse_expressions(condition="NOT a = :a AND b = :a OR c = :a", values=values)
    grouped = parse_expressions(condition="NOT (a = :a AND (b = :a OR c = :a))", values=values)
    a, b, c = (Comparison("=", path(name), Value(ONE)) for name in "abc")
    assert loose.condition == Or(And(Not(a), b), c)
    assert grouped.condition == Not(And(a, Or(b, c)))


def test_condition_operators_and_functions() -> None:
    """BETWEEN, IN, size and the condition functions parse into their nodes."""
    parsed = parse_expressions(
        condition="size(a) BETWEEN :a AND :b AND x IN (:a, :b) AND begins_with(#n, :a) "
        "AND attribute_not_exists(z) AND contains(l, :b)",
        names={"#n": "name"},
        values={":a": ONE, ":b": ANN},
    )
    left = parsed.condition
    assert isinstance(left, And)
    assert left.right == Function("contains", (path("l"), Value(ANN)))
    first = left
    while isinstance(first, And):
        first = first.left
    assert first == Between(Size(path("a")), Value(ONE), Value(ANN))
    assert isinstance(parsed.condition, And)
    found = []
    node: Any = parsed.condition
    while isinstance(node, And):
        found.append(node.right)
        node = node.left
    assert In(path("x"), (Value(ONE), Value(ANN))) in found
    assert Function("begins_with", (path("name"), Value(ONE))) in found


def test_keywords_are_case_insensitive_but_functions_are_not() -> None:
    """`set`, `and` work in any case; `Attribute_Exists` is not a function."""
    parsed = parse_expressions(update="set a = :a remove b", values={":a": ONE})
    assert parsed.update is not None
    assert len(parsed.update.actions) == 2
    message = refused(condition="Attribute_Exists(a)")
    assert (
        message == "Invalid ConditionExpression: Invalid function name; function: Attribute_Exists"
    )


def test_projection_paths() -> None:
    """A ProjectionExpression is a list of document paths."""
    parsed = parse_expressions(projection="a, #b.c[1], d[0][2]", names={"#b": "b"})
    assert parsed.projection == (path("a"), path("b", "c", 1), path("d", 0, 2))


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (
            {"update": "ADD hits : incr", "values": {":incr": ONE}},
            'Invalid UpdateExpression: Syntax error; token: ":", near: "hits : incr"',
        ),
        (
            {"update": "INVALID SYNTAX HERE", "values": {":v": ANN}},
            'Invalid UpdateExpression: Syntax error; token: "INVALID", near: "INVALID SYNTAX"',
        ),
        (
            {"update": "SET a = :v, #, b = :v", "values": {":v": ANN}},
            'Invalid UpdateExpression: Syntax error; token: "#", near: ", #,"',
        ),
        (
            {"condition": "a = :v AND", "values": {":v": ANN}},
            'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "AND"',
        ),
    ],
)
def test_syntax_errors_name_the_token_and_its_neighbours(
    request_: dict[str, Any], message: str
) -> None:
    """A syntax error quotes the bad token and the source from the token before to the one
    after, as DynamoDB's messages do."""
    assert refused(**request_) == message


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (
            {"update": "SET a = :x"},
            "Invalid UpdateExpression: An expression attribute value used in expression is "
            "not defined; attribute value: :x",
        ),
        (
            {"update": "SET #x = :v", "values": {":v": ANN}},
            "Invalid UpdateExpression: An expression attribute name used in the document "
            "path is not defined; attribute name: #x",
        ),
        (
            {"update": "SET a = :v", "values": {":v": ANN, ":x": ONE}},
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}",
        ),
        (
            {"condition": "a = :v", "values": {":v": ANN}, "names": {"#x": "x"}},
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}",
        ),
        ({"update": "SET a = :v", "values": {}}, "ExpressionAttributeValues must not be empty"),
        (
            {"update": "SET #a-b = :v", "names": {"#a-b": "x"}, "values": {":v": ANN}},
            'ExpressionAttributeNames contains invalid key: Syntax error; key: "#a-b"',
        ),
    ],
)
def test_placeholder_errors(request_: dict[str, Any], message: str) -> None:
    """Undefined, unused and malformed placeholders are DynamoDB's ValidationExceptions."""
    assert refused(**request_) == message


def test_values_shared_by_two_expressions_count_as_used() -> None:
    """A value used only by the ConditionExpression is not 'unused' for the update."""
    parsed = parse_expressions(
        update="SET a = :a", condition="b = :b", values={":a": ONE, ":b": ANN}
    )
    assert parsed.condition == Comparison("=", path("b"), Value(ANN))


def test_a_syntax_error_is_reported_before_a_missing_placeholder() -> None:
    """The whole expression parses before placeholders are reported missing."""
    assert refused(update="SET a = :x,") == (
        'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: ","'
    )


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (
            {"update": "SET status = :v", "values": {":v": ANN}},
            "Invalid UpdateExpression: Attribute name is a reserved keyword; "
            "reserved keyword: status",
        ),
        (
            {"update": "SET a = :v SET b = :v", "values": {":v": ANN}},
            'Invalid UpdateExpression: The "SET" section can only be used once in an update '
            "expression;",
        ),
        ({"update": "  "}, "Invalid UpdateExpression: The expression can not be empty;"),
        (
            {"condition": "if_not_exists(a, :v) = :v", "values": {":v": ANN}},
            "Invalid ConditionExpression: The function is not allowed in a condition "
            "expression; function: if_not_exists",
        ),
        (
            {"update": "SET a = size(b)"},
            "Invalid UpdateExpression: The function is not allowed in an update expression; "
            "function: size",
        ),
        (
            {"update": "SET a = if_not_exists(:v)", "values": {":v": ANN}},
            "Invalid UpdateExpression: Incorrect number of operands for operator or function; "
            "operator or function: if_not_exists, number of operands: 1",
        ),
        (
            {"condition": "attribute_exists(:v)", "values": {":v": ANN}},
            "Invalid ConditionExpression: Operator or function requires a document path; "
            "operator or function: attribute_exists",
        ),
        (
            {"update": "ADD n :v", "values": {":v": ANN}},
            "Invalid UpdateExpression: Incorrect operand type for operator or function; "
            "operator: ADD, operand type: STRING",
        ),
    ],
)
def test_semantic_errors(request_: dict[str, Any], message: str) -> None:
    """Reserved words, repeated clauses, misplaced functions, wrong operand counts and types
    are refused with DynamoDB's texts."""
    assert refused(**request_) == message


def test_in_takes_at_most_100_operands() -> None:
    """IN accepts up to 100 operands; 101 is refused."""
    values = {f":v{i}": {"N": str(i)} for i in range(101)}
    choices = ", ".join(values)
    message = refused(condition=f"a IN ({choices})", values=values)
    assert message.endswith(
        "The IN operator is provided with too many operands; number of operands: 101"
    )
