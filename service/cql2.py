"""A small CQL2-text filter: tokenizer, recursive-descent parser and evaluation to a boolean mask.

Supported (OGC CQL2 Basic + advanced comparison): ``= <> < > <= >=``, ``AND``, ``OR``, ``NOT``,
parentheses, ``[NOT] LIKE`` (``%`` any run, ``_`` one character, ``\\`` escapes), ``[NOT] IN (…)``,
``[NOT] BETWEEN … AND …``, ``IS [NOT] NULL``, string (``'it''s'``), number, ``TRUE``/``FALSE``,
``DATE('2024-01-31')`` and ``TIMESTAMP('…')`` literals (compared as ISO text). Properties are bare
names or ``"double quoted"``. Logic is three-valued, as in SQL: a comparison with a null is unknown
and a feature is kept only when the whole filter is true. No spatial or temporal functions.

Pure: :func:`parse` takes text, :func:`to_mask` a DataFrame; errors are :class:`InputError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Union

import numpy as np
import pandas as pd

from geo.errors import InputError

MAX_LENGTH = 4096
MAX_DEPTH = 40

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<quoted>"(?:[^"]|"")+")
    | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<op><>|<=|>=|!=|=|<|>|\(|\)|,|-|\+)
    | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
KEYWORDS = frozenset(
    "AND OR NOT LIKE IN IS NULL BETWEEN TRUE FALSE DATE TIMESTAMP".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Token:
    kind: str  # string, quoted, number, op, word, keyword, end
    text: str
    position: int


@dataclass(frozen=True)
class Property:
    name: str


@dataclass(frozen=True)
class Literal:
    value: str | float | bool


Operand = Union[Property, Literal]  # noqa: UP007


@dataclass(frozen=True)
class Comparison:
    op: str  # = <> < > <= >=
    left: Operand
    right: Operand


@dataclass(frozen=True)
class Like:
    operand: Operand
    pattern: Operand
    negated: bool = False


@dataclass(frozen=True)
class In:
    operand: Operand
    values: tuple[Operand, ...]
    negated: bool = False


@dataclass(frozen=True)
class Between:
    operand: Operand
    low: Operand
    high: Operand
    negated: bool = False


@dataclass(frozen=True)
class IsNull:
    operand: Operand
    negated: bool = False


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    part: Node


Node = Union[Comparison, Like, In, Between, IsNull, And, Or, Not, Literal]  # noqa: UP007


def _error(text: str, position: int, what: str) -> InputError:
    near = text[position : position + 20] or "the end"
    return InputError(f"filter: {what} at character {position + 1} (near {near!r}); see the CQL2 text syntax")


def tokenize(text: str) -> list[Token]:
    """The tokens of a CQL2-text expression, ending with an ``end`` token."""
    if len(text) > MAX_LENGTH:
        raise InputError(f"filter: {len(text)} characters; a filter may have at most {MAX_LENGTH}")
    tokens: list[Token] = []
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return [*tokens, Token("end", "", position)]
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            raise _error(text, position, "unexpected character")
        kind, value = match.lastgroup, match.group(match.lastgroup)
        start = match.start(kind)
        if kind == "word" and value.upper() in KEYWORDS:
            kind, value = "keyword", value.upper()
        tokens.append(Token(kind, value, start))
        position = match.end()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.at = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def accept(self, kind: str, *texts: str) -> Token | None:
        token = self.token
        if token.kind == kind and (not texts or token.text in texts):
            self.at += 1
            return token
        return None

    def expect(self, kind: str, text: str, what: str) -> Token:
        token = self.accept(kind, text)
        if token is None:
            raise _error(self.text, self.token.position, f"expected {what}")
        return token

    def parse(self) -> Node:
        node = self.disjunction()
        if self.token.kind != "end":
            raise _error(self.text, self.token.position, "unexpected text after a complete filter")
        return node

    def disjunction(self) -> Node:
        parts = [self.conjunction()]
        while self.accept("keyword", "OR"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self) -> Node:
        parts = [self.negation()]
        while self.accept("keyword", "AND"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def negation(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error(self.text, self.token.position, f"more than {MAX_DEPTH} nested levels")
        try:
            if self.accept("keyword", "NOT"):
                return Not(self.negation())
            return self.predicate()
        finally:
            self.depth -= 1

    def predicate(self) -> Node:
        if self.accept("op", "("):
            node = self.disjunction()
            self.expect("op", ")", "')'")
            return node
        left = self.scalar()
        negated = bool(self.accept("keyword", "NOT"))
        if self.accept("keyword", "LIKE"):
            return Like(left, self.scalar(), negated)
        if self.accept("keyword", "IN"):
            self.expect("op", "(", "'(' after IN")
            values = [self.scalar()]
            while self.accept("op", ","):
                values.append(self.scalar())
            self.expect("op", ")", "')' closing the IN list")
            return In(left, tuple(values), negated)
        if self.accept("keyword", "BETWEEN"):
            low = self.scalar()
            self.expect("keyword", "AND", "AND in BETWEEN … AND …")
            return Between(left, low, self.scalar(), negated)
        if negated:
            raise _error(self.text, self.token.position, "expected LIKE, IN or BETWEEN after NOT")
        if self.accept("keyword", "IS"):
            negated = bool(self.accept("keyword", "NOT"))
            self.expect("keyword", "NULL", "NULL after IS")
            return IsNull(left, negated)
        op = self.accept("op", "=", "<>", "!=", "<", ">", "<=", ">=")
        if op is None:
            if isinstance(left, Literal) and isinstance(left.value, bool):
                return left
            raise _error(self.text, self.token.position, "expected a comparison (=, <>, <, >, <=, >=)")
        return Comparison("<>" if op.text == "!=" else op.text, left, self.scalar())

    def scalar(self) -> Operand:
        token = self.token
        sign = self.accept("op", "-", "+")
        if sign is not None:
            number = self.accept("number")
            if number is None:
                raise _error(self.text, self.token.position, "expected a number after the sign")
            return Literal(float(sign.text + number.text))
        self.at += 1
        if token.kind == "number":
            return Literal(float(token.text))
        if token.kind == "string":
            return Literal(token.text[1:-1].replace("''", "'"))
        if token.kind == "quoted":
            return Property(token.text[1:-1].replace('""', '"'))
        if token.kind == "word":
            return Property(token.text)
        if token.kind == "keyword" and token.text in ("TRUE", "FALSE"):
            return Literal(token.text == "TRUE")
        if token.kind == "keyword" and token.text in ("DATE", "TIMESTAMP"):
            self.expect("op", "(", f"'(' after {token.text}")
            value = self.accept("string")
            if value is None:
                raise _error(self.text, self.token.position, f"expected a quoted {token.text.lower()}")
            self.expect("op", ")", "')'")
            return Literal(value.text[1:-1])
        self.at -= 1
        raise _error(self.text, token.position, "expected a property name or a value")


def parse(text: str) -> Node:
    """The syntax tree of a CQL2-text filter.

    Raises
    ------
    InputError
        Naming the character where the text stops making sense.
    """
    if not text.strip():
        raise InputError("filter: empty; give a CQL2 expression such as commune_code = '21001'")
    return _Parser(text).parse()


def properties(node: Node | Property) -> set[str]:
    """The property names a filter refers to."""
    if isinstance(node, Property):
        return {node.name}
    if isinstance(node, Literal):
        return set()
    if isinstance(node, And | Or):
        return set().union(*(properties(p) for p in node.parts))
    if isinstance(node, Not):
        return properties(node.part)
    children: Iterable[Operand]
    if isinstance(node, Comparison):
        children = (node.left, node.right)
    elif isinstance(node, Like):
        children = (node.operand, node.pattern)
    elif isinstance(node, In):
        children = (node.operand, *node.values)
    elif isinstance(node, Between):
        children = (node.operand, node.low, node.high)
    else:
        children = (node.operand,)
    return set().union(*(properties(c) for c in children))


Value = Union[pd.Series, str, float, bool]  # noqa: UP007


def _kind(value: Value) -> str:
    if isinstance(value, pd.Series):
        if pd.api.types.is_bool_dtype(value.dtype):
            return "boolean"
        return "number" if pd.api.types.is_numeric_dtype(value.dtype) else "string"
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, float) else "string"


def _describe(operand: Operand) -> str:
    if isinstance(operand, Property):
        return operand.name
    return repr(operand.value) if isinstance(operand.value, str) else str(operand.value).lower()


class _Evaluator:
    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.columns: dict[str, pd.Series] = {}

    def column(self, name: str) -> pd.Series:
        if name not in self.columns:
            if name not in self.frame.columns:
                known = ", ".join(sorted(map(str, self.frame.columns)))
                raise InputError(f"filter: unknown property {name!r}; the queryables are {known}")
            series = self.frame[name]
            if pd.api.types.is_bool_dtype(series.dtype):
                series = series.astype("boolean")
            elif pd.api.types.is_numeric_dtype(series.dtype):
                series = series.astype("Float64")
            else:
                series = series.astype("string")
            self.columns[name] = series
        return self.columns[name]

    def value(self, operand: Operand) -> Value:
        return self.column(operand.name) if isinstance(operand, Property) else operand.value

    def constant(self, value: bool) -> pd.Series:
        return pd.Series(np.full(len(self.frame), value), index=self.frame.index, dtype="boolean")

    def same_kind(self, operands: Iterable[Operand], *, allowed: tuple[str, ...]) -> list[Value]:
        values = [(operand, self.value(operand)) for operand in operands]
        kinds = {_kind(v) for _, v in values}
        if len(kinds) > 1:
            listed = ", ".join(f"{_describe(o)} ({_kind(v)})" for o, v in values)
            raise InputError(
                f"filter: cannot compare {listed}; compare text with 'quoted text' and numbers with numbers"
            )
        if kinds - set(allowed):
            raise InputError(f"filter: this operator does not apply to {kinds.pop()} values")
        return [v for _, v in values]

    def broadcast(self, result: object) -> pd.Series:
        if isinstance(result, pd.Series):
            return result.astype("boolean")
        return self.constant(bool(result))

    def evaluate(self, node: Node) -> pd.Series:
        if isinstance(node, Literal):
            if not isinstance(node.value, bool):
                raise InputError(f"filter: {_describe(node)} alone is not a condition")
            return self.constant(node.value)
        if isinstance(node, And | Or):
            results = [self.evaluate(part) for part in node.parts]
            out = results[0]
            for result in results[1:]:
                out = (out & result) if isinstance(node, And) else (out | result)
            return out
        if isinstance(node, Not):
            return ~self.evaluate(node.part)
        if isinstance(node, Comparison):
            allowed = ("string", "number", "boolean") if node.op in ("=", "<>") else ("string", "number")
            left, right = self.same_kind((node.left, node.right), allowed=allowed)
            return self.broadcast(_COMPARE[node.op](left, right))
        if isinstance(node, IsNull):
            value = self.value(node.operand)
            null = value.isna() if isinstance(value, pd.Series) else False
            return self.broadcast(~null if node.negated else null)
        if isinstance(node, Like):
            return self.like(node)
        if isinstance(node, In):
            values = self.same_kind((node.operand, *node.values), allowed=("string", "number", "boolean"))
            result = self.membership(values[0], values[1:])
        else:
            low, value, high = self.same_kind(
                (node.low, node.operand, node.high), allowed=("string", "number")
            )
            result = self.broadcast((value >= low) & (value <= high))  # type: ignore[operator]
        return ~result if node.negated else result

    def membership(self, value: Value, options: list[Value]) -> pd.Series:
        if any(isinstance(option, pd.Series) for option in options):
            result = self.constant(False)
            for option in options:
                result = result | self.broadcast(value == option)
            return result
        if not isinstance(value, pd.Series):
            return self.constant(value in options)
        return value.isin(options).astype("boolean").where(value.notna())

    def like(self, node: Like) -> pd.Series:
        if not isinstance(node.pattern, Literal) or not isinstance(node.pattern.value, str):
            raise InputError("filter: LIKE takes a 'quoted pattern' on its right, e.g. name_fr LIKE 'CPAS%'")
        value = self.value(node.operand)
        if _kind(value) != "string":
            raise InputError(f"filter: LIKE applies to text; {_describe(node.operand)} is not text")
        regex = like_regex(node.pattern.value)
        if isinstance(value, pd.Series):
            result = value.str.fullmatch(regex).astype("boolean")
        else:
            result = self.constant(re.fullmatch(regex, str(value), re.DOTALL) is not None)
        return ~result if node.negated else result


_COMPARE = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def like_regex(pattern: str) -> str:
    """A regular expression matching what a CQL2 LIKE pattern matches (whole text, case kept)."""
    out, escaped = ["(?s)"], False
    for char in pattern:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    if escaped:
        out.append(re.escape("\\"))
    return "".join(out)


def to_mask(node: Node, frame: pd.DataFrame) -> np.ndarray:
    """Which rows of ``frame`` the filter keeps (true, not false or unknown), as a bool array.

    Raises
    ------
    InputError
        For a property that is not a column of ``frame`` (listing the columns), or values of
        different kinds compared with each other.
    """
    result = _Evaluator(frame).evaluate(node)
    return result.fillna(False).to_numpy(dtype=bool)


def filter_mask(text: str, frame: pd.DataFrame) -> np.ndarray:
    """Parse a CQL2-text filter and evaluate it on ``frame``."""
    return to_mask(parse(text), frame)
