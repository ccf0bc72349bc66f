"""DynamoDB expressions as tokens: the lexer under :mod:`~headrace.broker.tables.expressions`.

A token is a name (``price``, also keywords such as ``SET`` or ``AND``), a name placeholder
(``#n``), a value placeholder (``:v``), a list index (``3``), an operator or punctuation
(``=``, ``<>``, ``<=``, ``(``, ``[``, ``,``, ``.``, ``+``, ``-``), or one character that is
none of these (kept as an ``error`` token, so the parser reports it where DynamoDB does).
The last token is ``<EOF>``.

:class:`TokenStream` raises DynamoDB's syntax error::

    Invalid UpdateExpression: Syntax error; token: ":", near: "hits : incr"

where ``near`` is the source from the token before to the token after the bad one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from headrace.errors import ValidationException

# One alternative per token kind; whitespace is skipped. Names are what DynamoDB accepts
# in an expression without a placeholder (a letter or _ first, then letters, digits, _).
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    |(?P<name_placeholder>\#[A-Za-z0-9_]+)
    |(?P<value_placeholder>:[A-Za-z0-9_]+)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<index>[0-9]+)
    |(?P<operator><>|<=|>=|[=<>()\[\],.+\-])
    """,
    re.VERBOSE,
)
EOF = "<EOF>"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind (a group name of ``_TOKEN``, ``error`` or ``eof``) and where."""

    kind: str
    text: str
    start: int
    end: int

    def is_keyword(self, word: str) -> bool:
        """Whether this is the keyword ``word`` (keywords are case-insensitive)."""
        return self.kind == "name" and self.text.upper() == word

    def is_operator(self, *texts: str) -> bool:
        return self.kind == "operator" and self.text in texts


def tokenize(source: str) -> list[Token]:
    """The tokens of ``source``, ending with the ``<EOF>`` token."""
    tokens: list[Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            tokens.append(Token("error", source[position], position, position + 1))
            position += 1
            continue
        kind = match.lastgroup
        assert kind is not None
        if kind != "space":
            tokens.append(Token(kind, match.group(), match.start(), match.end()))
        position = match.end()
    tokens.append(Token("eof", EOF, len(source), len(source)))
    return tokens


class TokenStream:
    """The tokens of one expression, read front to back by a parser.

    ``what`` names the expression in errors (``UpdateExpression``, ``ConditionExpression``).
    """

    def __init__(self, source: str, what: str) -> None:
        self.source = source
        self.what = what
        self.tokens = tokenize(source)
        self.position = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.position]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.position + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.current
        if token.kind != "eof":
            self.position += 1
        return token

    def accept_operator(self, *texts: str) -> Token | None:
        """Take the current token if it is one of these operators."""
        return self.advance() if self.current.is_operator(*texts) else None

    def accept_keyword(self, word: str) -> bool:
        if self.current.is_keyword(word):
            self.advance()
            return True
        return False

    def expect_operator(self, text: str) -> Token:
        return self.accept_operator(text) or self.fail()

    def expect_end(self) -> None:
        if self.current.kind != "eof":
            self.fail()

    def fail(self) -> Token:
        """Raise DynamoDB's syntax error at the current token."""
        raise self.error(f'Syntax error; token: "{self.current.text}", near: "{self._near()}"')

    def error(self, message: str) -> ValidationException:
        """A ValidationException about this expression (``Invalid <what>: <message>``)."""
        return ValidationException(f"Invalid {self.what}: {message}")

    def _near(self) -> str:
        before = self.tokens[max(self.position - 1, 0)]
        after = self.peek()
        return self.source[before.start : after.end]
