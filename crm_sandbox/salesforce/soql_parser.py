"""A SOQL tokenizer and recursive-descent parser for the subset the sandbox serves."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from crm_sandbox.salesforce.errors import SalesforceApiError, malformed_query
from crm_sandbox.salesforce.soql_ast import (
    BoolOp,
    Compare,
    Condition,
    DateRange,
    InList,
    Like,
    LiteralOrRange,
    Not,
    OrderKey,
    Query,
)
from crm_sandbox.salesforce.values import parse_datetime

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})(?![\dT])
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),])
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?::\d+)?)
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}
_RELATIVE = {"TODAY": (0, 1), "YESTERDAY": (-1, 0), "TOMORROW": (1, 2)}

Token = tuple[str, str, int]


def _tokens(text: str) -> list[Token]:
    out: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise malformed_query(f"unexpected token: '{text[pos : pos + 20]}'")
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group(), pos))
        pos = m.end()
    return out


def _unquote(raw: str) -> str:
    body = raw[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), body)


def _relative(word: str, today: date) -> DateRange | None:
    upper = word.upper()
    if upper in _RELATIVE:
        a, b = _RELATIVE[upper]
        return DateRange(today + timedelta(days=a), today + timedelta(days=b), upper)
    m = re.fullmatch(r"(LAST|NEXT)_N_DAYS:(\d+)", upper)
    if m:
        n = int(m.group(2))
        if m.group(1) == "LAST":
            return DateRange(today - timedelta(days=n), today + timedelta(days=1), upper)
        return DateRange(today + timedelta(days=1), today + timedelta(days=n + 1), upper)
    return None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0
        self.today = datetime.now(UTC).date()

    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def kw(self, *words: str) -> bool:
        """Consume the keyword sequence if it is next."""
        for n, word in enumerate(words):
            tok = self.peek(n)
            if tok is None or tok[0] != "ident" or tok[1].upper() != word:
                return False
        self.i += len(words)
        return True

    def expect_kw(self, word: str) -> None:
        if not self.kw(word):
            raise self.error(f"expecting '{word}'")

    def punct(self, ch: str) -> bool:
        tok = self.peek()
        if tok is not None and tok[0] == "punct" and tok[1] == ch:
            self.i += 1
            return True
        return False

    def error(self, what: str) -> SalesforceApiError:
        tok = self.peek()
        found = "end of query" if tok is None else f"'{tok[1]}'"
        col = len(self.text) if tok is None else tok[2]
        return malformed_query(
            f"\n{self.text}\n{' ' * col}^\nERROR at Row:1:Column:{col + 1}\nunexpected token: {found} ({what})"
        )

    def ident(self) -> str:
        tok = self.peek()
        if tok is None or tok[0] != "ident":
            raise self.error("expecting a field or object name")
        self.i += 1
        return tok[1]

    def parse(self) -> Query:
        self.expect_kw("SELECT")
        query = Query(sobject="", text=self.text)
        if self.kw("COUNT") and self.punct("("):
            if not self.punct(")"):
                raise self.error("only COUNT() is supported")
            query.count = True
        else:
            while True:
                query.fields.append(tuple(self.ident().split(".")))
                if not self.punct(","):
                    break
        self.expect_kw("FROM")
        query.sobject = self.ident()
        if self.kw("WHERE"):
            query.where = self.condition()
        if self.kw("ORDER", "BY"):
            while True:
                path = tuple(self.ident().split("."))
                asc = not self.kw("DESC")
                if asc:
                    self.kw("ASC")
                nulls: bool | None = None
                if self.kw("NULLS", "FIRST"):
                    nulls = True
                elif self.kw("NULLS", "LAST"):
                    nulls = False
                query.order.append(OrderKey(path, asc, nulls))
                if not self.punct(","):
                    break
        if self.kw("LIMIT"):
            query.limit = self.integer()
        if self.kw("OFFSET"):
            query.offset = self.integer()
        if self.peek() is not None:
            raise self.error("expecting end of query")
        return query

    def integer(self) -> int:
        tok = self.peek()
        if tok is None or tok[0] != "number" or not tok[1].isdigit():
            raise self.error("expecting a non-negative integer")
        self.i += 1
        return int(tok[1])

    def condition(self) -> Condition:
        items = [self.conjunction()]
        while self.kw("OR"):
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else BoolOp("OR", tuple(items))

    def conjunction(self) -> Condition:
        items = [self.negation()]
        while self.kw("AND"):
            items.append(self.negation())
        return items[0] if len(items) == 1 else BoolOp("AND", tuple(items))

    def negation(self) -> Condition:
        if self.kw("NOT"):
            return Not(self.negation())
        if self.punct("("):
            inner = self.condition()
            if not self.punct(")"):
                raise self.error("expecting ')'")
            return inner
        return self.predicate()

    def predicate(self) -> Condition:
        path = tuple(self.ident().split("."))
        if self.kw("IN"):
            return InList(path, self.value_list())
        if self.kw("NOT", "IN"):
            return InList(path, self.value_list(), negate=True)
        if self.kw("LIKE"):
            value = self.literal()
            if not isinstance(value, str):
                raise self.error("LIKE needs a quoted string")
            return Like(path, value)
        tok = self.peek()
        if tok is None or tok[0] != "op":
            raise self.error("expecting an operator")
        self.i += 1
        op = "!=" if tok[1] == "<>" else tok[1]
        return Compare(path, op, self.literal())

    def value_list(self) -> tuple[LiteralOrRange, ...]:
        if not self.punct("("):
            raise self.error("expecting '('")
        values = [self.literal()]
        while self.punct(","):
            values.append(self.literal())
        if not self.punct(")"):
            raise self.error("expecting ')'")
        return tuple(values)

    def literal(self) -> LiteralOrRange:
        tok = self.peek()
        if tok is None:
            raise self.error("expecting a value")
        kind, raw, _ = tok
        self.i += 1
        if kind == "string":
            return _unquote(raw)
        if kind == "number":
            return Decimal(raw)
        if kind == "datetime":
            return parse_datetime(raw)
        if kind == "date":
            return date.fromisoformat(raw)
        if kind == "ident":
            upper = raw.upper()
            if upper in ("TRUE", "FALSE"):
                return upper == "TRUE"
            if upper == "NULL":
                return None
            rel = _relative(raw, self.today)
            if rel is not None:
                return rel
        self.i -= 1
        raise self.error("expecting a value")


def parse_soql(text: str) -> Query:
    """Parse a SOQL query; raises a 400 ``MALFORMED_QUERY`` error on anything unsupported."""
    return _Parser(text.strip()).parse()
