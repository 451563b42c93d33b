"""The parsed form of a SOQL query (the subset the sandbox understands), with source positions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

Literal = str | bool | Decimal | date | datetime | None


@dataclass(frozen=True)
class DateRange:
    """A relative date literal (TODAY, LAST_N_DAYS:n, ...): the half-open day range it covers."""

    start: date
    end: date  # exclusive
    text: str


LiteralOrRange = Literal | DateRange


@dataclass(frozen=True)
class Compare:
    """``path op value`` with op one of = != < <= > >=; ``pos`` is where the field starts."""

    path: tuple[str, ...]
    op: str
    value: LiteralOrRange
    pos: int = 0


@dataclass(frozen=True)
class InList:
    """``path [NOT] IN (values)``."""

    path: tuple[str, ...]
    values: tuple[LiteralOrRange, ...]
    negate: bool = False
    pos: int = 0


@dataclass(frozen=True)
class Like:
    """``path LIKE 'pattern'`` (``%`` and ``_`` wildcards, case-insensitive)."""

    path: tuple[str, ...]
    pattern: str
    pos: int = 0


@dataclass(frozen=True)
class BoolOp:
    """``AND`` / ``OR`` of several conditions."""

    op: str
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    """``NOT condition``."""

    item: Condition


Condition = Compare | InList | Like | BoolOp | Not


@dataclass(frozen=True)
class OrderKey:
    """One ORDER BY item."""

    path: tuple[str, ...]
    ascending: bool = True
    nulls_first: bool | None = None  # None: the SOQL default (first ascending, last descending)
    pos: int = 0


@dataclass
class Query:
    """A parsed SELECT; ``field_pos`` holds where each SELECT field starts in ``text``."""

    sobject: str
    fields: list[tuple[str, ...]] = field(default_factory=list)
    field_pos: list[int] = field(default_factory=list)
    count: bool = False
    where: Condition | None = None
    order: list[OrderKey] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0
    has_offset: bool = False
    text: str = ""
    sobject_pos: int = 0
