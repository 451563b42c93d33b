"""A recursive-descent SOQL parser for the subset the sandbox serves.

What Salesforce refuses gets Salesforce's MALFORMED_QUERY. Valid SOQL the sandbox does not
implement (subqueries, aggregates, GROUP BY, TYPEOF, WITH, FOR UPDATE, ...) gets a 400
FUNCTIONALITY_NOT_ENABLED naming the feature, never an answer to a different question.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from crm_sandbox.salesforce.errors import SalesforceApiError, query_error
from crm_sandbox.salesforce.soql_ast import (
    BoolOp,
    Compare,
    Condition,
    InList,
    Like,
    LiteralOrRange,
    Not,
    OrderKey,
    Query,
)
from crm_sandbox.salesforce.soql_dates import N_LITERAL, relative_range
from crm_sandbox.salesforce.soql_tokens import (
    Token,
    date_value,
    datetime_value,
    tokenize,
    unquote,
)

#: Salesforce refuses OFFSET above this.
MAX_OFFSET = 2000
#: Clauses Salesforce has and the sandbox does not implement, by their first keyword.
_UNSUPPORTED_CLAUSES = {
    "USING": "USING SCOPE",
    "WITH": "WITH",
    "GROUP": "GROUP BY",
    "HAVING": "HAVING",
    "FOR": "FOR VIEW / FOR REFERENCE / FOR UPDATE",
    "UPDATE": "UPDATE TRACKING / UPDATE VIEWSTAT",
    "ALL": "ALL ROWS",
}
_CLAUSES = frozenset({"WHERE", "ORDER", "LIMIT", "OFFSET", *_UNSUPPORTED_CLAUSES})


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0
        self.today = datetime.now(UTC).date()

    # -- token helpers ---------------------------------------------------------------------
    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def is_kw(self, word: str, offset: int = 0) -> bool:
        tok = self.peek(offset)
        return tok is not None and tok[0] == "ident" and tok[1].upper() == word

    def kw(self, *words: str) -> bool:
        """Consume the keyword sequence if it is next."""
        if not all(self.is_kw(word, n) for n, word in enumerate(words)):
            return False
        self.i += len(words)
        return True

    def is_punct(self, ch: str, offset: int = 0) -> bool:
        tok = self.peek(offset)
        return tok is not None and tok[0] == "punct" and tok[1] == ch

    def punct(self, ch: str) -> bool:
        if self.is_punct(ch):
            self.i += 1
            return True
        return False

    def pos(self) -> int:
        tok = self.peek()
        return len(self.text) if tok is None else tok[2]

    def error(self) -> SalesforceApiError:
        """MALFORMED_QUERY at the next token, worded as Salesforce does."""
        tok = self.peek()
        found = "<EOF>" if tok is None else tok[1]
        return query_error("MALFORMED_QUERY", self.text, self.pos(), f"unexpected token: '{found}'")

    def unsupported(self, feature: str) -> SalesforceApiError:
        """400 FUNCTIONALITY_NOT_ENABLED: valid SOQL the sandbox does not implement."""
        return query_error(
            "FUNCTIONALITY_NOT_ENABLED",
            self.text,
            self.pos(),
            f"The channelsync Salesforce sandbox does not implement {feature}",
        )

    def expect_kw(self, word: str) -> None:
        if not self.kw(word):
            raise self.error()

    def ident(self) -> str:
        tok = self.peek()
        if tok is None or tok[0] != "ident":
            raise self.error()
        self.i += 1
        return tok[1]

    def path(self, where: str) -> tuple[tuple[str, ...], int]:
        """A field path; a function call in its place is an unsupported feature."""
        pos = self.pos()
        if self.is_kw("TYPEOF"):
            raise self.unsupported("TYPEOF")
        name = self.ident()
        if self.is_punct("("):
            self.i -= 1
            raise self.unsupported(f"{name}() in {where}")
        return tuple(name.split(".")), pos

    def clause_guard(self) -> None:
        """Refuse a clause Salesforce knows and the sandbox does not implement."""
        tok = self.peek()
        if tok is not None and tok[0] == "ident" and tok[1].upper() in _UNSUPPORTED_CLAUSES:
            raise self.unsupported(_UNSUPPORTED_CLAUSES[tok[1].upper()])

    # -- clauses ---------------------------------------------------------------------------
    def parse(self) -> Query:
        self.expect_kw("SELECT")
        query = Query(sobject="", text=self.text)
        if self.is_kw("COUNT") and self.is_punct("(", 1):
            self.i += 2
            if not self.punct(")"):
                self.i -= 2
                raise self.unsupported("Aggregate functions other than COUNT()")
            query.count = True
        else:
            while True:
                if self.is_punct("("):
                    raise self.unsupported("Parent-to-child relationship subqueries")
                path, pos = self.path("SELECT")
                query.fields.append(path)
                query.field_pos.append(pos)
                if not self.punct(","):
                    break
        self.expect_kw("FROM")
        query.sobject_pos = self.pos()
        query.sobject = self.ident()
        tok = self.peek()
        if tok is not None and tok[0] == "ident" and tok[1].upper() not in _CLAUSES:
            raise self.unsupported("Object aliases in FROM")
        self.clause_guard()
        if self.kw("WHERE"):
            query.where = self.expression()
        self.clause_guard()
        if self.kw("ORDER", "BY"):
            self.order_by(query)
        if self.kw("LIMIT"):
            query.limit = self.integer()
        if self.is_kw("OFFSET"):
            self.i += 1
            offset_pos = self.pos()
            query.offset = self.integer()
            query.has_offset = True
            if query.offset > MAX_OFFSET:
                raise query_error(
                    "NUMBER_OUTSIDE_VALID_RANGE",
                    self.text,
                    offset_pos,
                    f"Maximum SOQL offset allowed is {MAX_OFFSET}",
                )
        self.clause_guard()
        if self.peek() is not None:
            raise self.error()
        return query

    def order_by(self, query: Query) -> None:
        while True:
            path, pos = self.path("ORDER BY")
            asc = not self.kw("DESC")
            if asc:
                self.kw("ASC")
            nulls: bool | None = None
            if self.kw("NULLS", "FIRST"):
                nulls = True
            elif self.kw("NULLS", "LAST"):
                nulls = False
            query.order.append(OrderKey(path, asc, nulls, pos))
            if not self.punct(","):
                break

    def integer(self) -> int:
        tok = self.peek()
        if tok is None or tok[0] != "number" or not tok[1].isdigit():
            raise self.error()
        self.i += 1
        return int(tok[1])

    # -- conditions ------------------------------------------------------------------------
    def expression(self) -> Condition:
        """``[NOT] term`` joined by AND or by OR: SOQL wants parentheses to mix the two."""
        first: Condition = Not(self.term()) if self.kw("NOT") else self.term()
        items = [first]
        joiner = None
        while self.is_kw("AND") or self.is_kw("OR"):
            word = self.ident().upper()
            if joiner is not None and word != joiner:
                self.i -= 1
                raise self.error()
            joiner = word
            items.append(self.term())
        return items[0] if joiner is None else BoolOp(joiner, tuple(items))

    def term(self) -> Condition:
        if self.punct("("):
            inner = self.expression()
            if not self.punct(")"):
                raise self.error()
            return inner
        if self.is_kw("NOT"):
            raise self.error()
        return self.predicate()

    def predicate(self) -> Condition:
        path, pos = self.path("WHERE")
        if self.kw("IN"):
            return InList(path, self.value_list(), pos=pos)
        if self.kw("NOT", "IN"):
            return InList(path, self.value_list(), negate=True, pos=pos)
        if self.is_kw("INCLUDES") or self.is_kw("EXCLUDES"):
            raise self.unsupported("INCLUDES / EXCLUDES")
        if self.kw("LIKE"):
            value = self.literal()
            if not isinstance(value, str):
                self.i -= 1
                raise self.error()
            return Like(path, value, pos)
        tok = self.peek()
        if tok is None or tok[0] != "op":
            raise self.error()
        self.i += 1
        op = "!=" if tok[1] == "<>" else tok[1]
        return Compare(path, op, self.literal(), pos)

    def value_list(self) -> tuple[LiteralOrRange, ...]:
        if not self.punct("("):
            raise self.error()
        if self.is_kw("SELECT"):
            raise self.unsupported("Semi-join and anti-join subqueries")
        values = [self.literal()]
        while self.punct(","):
            values.append(self.literal())
        if not self.punct(")"):
            raise self.error()
        return tuple(values)

    def literal(self) -> LiteralOrRange:
        tok = self.peek()
        if tok is None:
            raise self.error()
        kind, raw, _ = tok
        if kind == "string":
            self.i += 1
            return unquote(self.text, tok)
        if kind == "number":
            self.i += 1
            return Decimal(raw)
        if kind == "datetime":
            self.i += 1
            return datetime_value(self.text, tok)
        if kind == "date":
            self.i += 1
            return date_value(self.text, tok)
        if kind == "ident":
            upper = raw.upper()
            if upper in ("TRUE", "FALSE", "NULL"):
                self.i += 1
                return None if upper == "NULL" else upper == "TRUE"
            try:
                rel = relative_range(raw, self.today)
            except (OverflowError, ValueError):
                rel = None
            if rel is not None:
                self.i += 1
                return rel
            if N_LITERAL.fullmatch(upper) and ":" not in upper:
                raise query_error(
                    "MALFORMED_QUERY",
                    self.text,
                    tok[2],
                    f"Invalid date literal '{raw}': it needs a number, e.g. {upper}:7",
                )
        raise self.error()


def parse_soql(text: str) -> Query:
    """Parse a SOQL query; MALFORMED_QUERY (or FUNCTIONALITY_NOT_ENABLED) when it can't."""
    return _Parser(text.strip()).parse()
