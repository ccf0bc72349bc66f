"""DynamoDB's expression language: a recursive-descent parser over the tokens of
:mod:`~headrace.broker.tables.expression_tokens`, producing the nodes of
:mod:`~headrace.broker.tables.expression_nodes`.

One request's expressions share their ExpressionAttributeNames and ExpressionAttributeValues,
so they are parsed together::

    parsed = parse_expressions(
        update="SET #n = :n, visits = visits + :one REMOVE old",
        condition="attribute_exists(id) AND #n <> :n",
        names={"#n": "name"},
        values={":n": {"S": "Ann"}, ":one": {"N": "1"}},
    )
    parsed.update, parsed.condition   # UpdateExpression, Condition

Grammar (DynamoDB's; keywords case-insensitive, function names not)::

    update     ::= (SET set (, set)* | REMOVE path (, path)* | ADD path :v (, path :v)*
                    | DELETE path :v (, path :v)*)+          each clause at most once
    set        ::= path = value ;  value ::= operand | operand + operand | operand - operand
    operand    ::= path | :v | if_not_exists(path, operand) | list_append(operand, operand)
    condition  ::= condition OR condition | condition AND condition | NOT condition
                 | ( condition ) | cond-operand comparator cond-operand
                 | cond-operand BETWEEN cond-operand AND cond-operand
                 | cond-operand IN ( cond-operand (, cond-operand)* )
                 | attribute_exists(path) | attribute_not_exists(path)
                 | attribute_type(path, :t) | begins_with(cond-operand, cond-operand)
                 | contains(cond-operand, cond-operand)
    cond-operand ::= path | :v | size(path)
    projection ::= path (, path)*
    path       ::= name-or-#n ( . name-or-#n | [ digits ] )*

Errors are DynamoDB's ValidationException texts (see :mod:`expression_placeholders`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from headrace.broker.tables.expression_nodes import (
    And,
    Arithmetic,
    Between,
    Comparison,
    Condition,
    DocumentPath,
    Function,
    IfNotExists,
    In,
    ListAppend,
    Not,
    Operand,
    Or,
    Size,
    UpdateAction,
    UpdateExpression,
)
from headrace.broker.tables.expression_placeholders import Placeholders
from headrace.broker.tables.expression_tokens import TokenStream

UPDATE_CLAUSES = ("SET", "REMOVE", "ADD", "DELETE")
COMPARATORS = ("=", "<>", "<", "<=", ">", ">=")
# Functions that are conditions themselves, with how many arguments each takes.
CONDITION_FUNCTIONS = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
}
UPDATE_FUNCTIONS = {"if_not_exists": 2, "list_append": 2}
ALL_FUNCTIONS = {**CONDITION_FUNCTIONS, **UPDATE_FUNCTIONS, "size": 1}
_T = TypeVar("_T")
# DynamoDB caps the operands of IN.
MAX_IN_OPERANDS = 100


@dataclass(frozen=True, slots=True)
class ParsedExpressions:
    """The parsed expressions of one request (None: not given)."""

    update: UpdateExpression | None = None
    condition: Condition | None = None
    key_condition: Condition | None = None
    filter: Condition | None = None
    projection: tuple[DocumentPath, ...] | None = None


def parse_expressions(
    *,
    update: str | None = None,
    condition: str | None = None,
    key_condition: str | None = None,
    filter: str | None = None,
    projection: str | None = None,
    names: Mapping[str, Any] | None = None,
    values: Mapping[str, Any] | None = None,
) -> ParsedExpressions:
    """Parse a request's expressions; every name and value given must be used by one."""
    placeholders = Placeholders(names, values)

    def run(source: str | None, what: str, rule: Callable[[_Parser], Any]) -> Any:
        if source is None:
            return None
        return _Parser(TokenStream(source, what), placeholders).parse(rule)

    parsed = ParsedExpressions(
        update=run(update, "UpdateExpression", _Parser.update),
        condition=run(condition, "ConditionExpression", _Parser.condition),
        key_condition=run(key_condition, "KeyConditionExpression", _Parser.condition),
        filter=run(filter, "FilterExpression", _Parser.condition),
        projection=run(projection, "ProjectionExpression", _Parser.projection),
    )
    placeholders.check_all_used()
    return parsed


class _Parser:
    """One expression's parser: each method reads one rule of the grammar."""

    def __init__(self, tokens: TokenStream, placeholders: Placeholders) -> None:
        self.tokens = tokens
        self.placeholders = placeholders.for_expression(tokens.what)

    def parse(self, rule: Callable[[_Parser], Any]) -> Any:
        if self.tokens.current.kind == "eof":
            raise self.tokens.error("The expression can not be empty;")
        result = rule(self)
        self.tokens.expect_end()
        self.placeholders.raise_missing()
        return result

    # -- UpdateExpression -------------------------------------------------------------

    def update(self) -> UpdateExpression:
        actions: list[UpdateAction] = []
        seen: set[str] = set()
        while self.tokens.current.kind != "eof":
            clause = self.tokens.current.text.upper()
            if self.tokens.current.kind != "name" or clause not in UPDATE_CLAUSES:
                self.tokens.fail()
            if clause in seen:
                raise self.tokens.error(
                    f'The "{clause}" section can only be used once in an update expression;'
                )
            seen.add(clause)
            self.tokens.advance()
            actions += self._separated(partial(self._action, clause))
        return UpdateExpression(tuple(actions))

    def _action(self, clause: str) -> UpdateAction:
        path = self.path()
        if clause == "REMOVE":
            return UpdateAction(clause, path)
        if clause == "SET":
            self.tokens.expect_operator("=")
            return UpdateAction(clause, path, self._set_value())
        if self.tokens.current.kind != "value_placeholder":
            self.tokens.fail()
        value = self.placeholders.value(self.tokens.advance().text)
        self.placeholders.check_operand_type(clause, value)
        return UpdateAction(clause, path, value)

    def _set_value(self) -> Operand:
        left = self.operand(update=True)
        operator = self.tokens.accept_operator("+", "-")
        if operator is None:
            return left
        return Arithmetic(operator.text, left, self.operand(update=True))

    # -- conditions -------------------------------------------------------------------

    def condition(self) -> Condition:
        left = self._conjunction()
        while self.tokens.accept_keyword("OR"):
            left = Or(left, self._conjunction())
        return left

    def _conjunction(self) -> Condition:
        left = self._negation()
        while self.tokens.accept_keyword("AND"):
            left = And(left, self._negation())
        return left

    def _negation(self) -> Condition:
        if self.tokens.accept_keyword("NOT"):
            return Not(self._negation())
        return self._primary()

    def _primary(self) -> Condition:
        if self.tokens.accept_operator("("):
            inner = self.condition()
            self.tokens.expect_operator(")")
            return inner
        if self._at_function() and self.tokens.current.text in CONDITION_FUNCTIONS:
            name = self.tokens.current.text
            return Function(name, self._arguments(name, update=False))
        left = self.operand(update=False)
        operator = self.tokens.accept_operator(*COMPARATORS)
        if operator is not None:
            return Comparison(operator.text, left, self.operand(update=False))
        if self.tokens.accept_keyword("BETWEEN"):
            low = self.operand(update=False)
            if not self.tokens.accept_keyword("AND"):
                self.tokens.fail()
            return Between(left, low, self.operand(update=False))
        if self.tokens.accept_keyword("IN"):
            return self._in(left)
        self.tokens.fail()
        raise AssertionError("fail() raises")

    def _in(self, left: Operand) -> In:
        self.tokens.expect_operator("(")
        choices = self._separated(lambda: self.operand(update=False))
        self.tokens.expect_operator(")")
        if len(choices) > MAX_IN_OPERANDS:
            raise self.tokens.error(
                "The IN operator is provided with too many operands; "
                f"number of operands: {len(choices)}"
            )
        return In(left, tuple(choices))

    # -- operands, functions, paths ---------------------------------------------------

    def operand(self, *, update: bool) -> Operand:
        token = self.tokens.current
        if token.kind == "value_placeholder":
            self.tokens.advance()
            return self.placeholders.value(token.text)
        if not self._at_function():
            return self.path()
        name = token.text
        allowed = UPDATE_FUNCTIONS if update else {"size": 1}
        if name not in ALL_FUNCTIONS:
            raise self.tokens.error(f"Invalid function name; function: {name}")
        if name not in allowed:
            where = "an update" if update else "a condition"
            raise self.tokens.error(
                f"The function is not allowed in {where} expression; function: {name}"
            )
        arguments = self._arguments(name, update=update)
        if name == "size":
            return Size(self._path_argument(name, arguments[0]))
        if name == "if_not_exists":
            return IfNotExists(self._path_argument(name, arguments[0]), arguments[1])
        return ListAppend(arguments[0], arguments[1])

    def _arguments(self, name: str, *, update: bool) -> tuple[Operand, ...]:
        self.tokens.advance()
        self.tokens.expect_operator("(")
        arguments = tuple(self._separated(lambda: self.operand(update=update)))
        self.tokens.expect_operator(")")
        if len(arguments) != ALL_FUNCTIONS[name]:
            raise self.tokens.error(
                "Incorrect number of operands for operator or function; operator or "
                f"function: {name}, number of operands: {len(arguments)}"
            )
        if name in ("attribute_exists", "attribute_not_exists", "attribute_type"):
            self._path_argument(name, arguments[0])
        return arguments

    def _path_argument(self, name: str, argument: Operand) -> DocumentPath:
        if not isinstance(argument, DocumentPath):
            raise self.tokens.error(
                f"Operator or function requires a document path; operator or function: {name}"
            )
        return argument

    def _at_function(self) -> bool:
        return self.tokens.current.kind == "name" and self.tokens.peek().is_operator("(")

    def projection(self) -> tuple[DocumentPath, ...]:
        return tuple(self._separated(self.path))

    def path(self) -> DocumentPath:
        elements: list[str | int] = [self._path_name()]
        while True:
            if self.tokens.accept_operator("."):
                elements.append(self._path_name())
            elif self.tokens.accept_operator("["):
                if self.tokens.current.kind != "index":
                    self.tokens.fail()
                elements.append(int(self.tokens.advance().text))
                self.tokens.expect_operator("]")
            else:
                return DocumentPath(tuple(elements))

    def _path_name(self) -> str:
        token = self.tokens.current
        if token.kind == "name_placeholder":
            self.tokens.advance()
            return self.placeholders.name(token.text)
        if token.kind != "name":
            self.tokens.fail()
        self.tokens.advance()
        self.placeholders.check_not_reserved(token.text)
        return token.text

    def _separated(self, item: Callable[[], _T]) -> list[_T]:
        found = [item()]
        while self.tokens.accept_operator(","):
            found.append(item())
        return found
