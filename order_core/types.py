"""Column types and small value helpers: exact Decimal money and timezone-aware UTC times on any database."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_character(text: str) -> str | None:
    """The first control character (not tab or line break) in ``text`` as ``U+XXXX``, else None.

    PostgreSQL cannot store NUL in text at all; the others are never meant in a name or address.
    """
    found = _CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def as_utc(value: datetime) -> datetime:
    """Normalise an aware datetime to UTC; a naive one is refused (we never guess a time zone)."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()} given; pass a timezone-aware time")
    return value.astimezone(UTC)


class MoneyType(TypeDecorator[Decimal]):
    """Decimal stored exactly: NUMERIC(24, 8) on PostgreSQL, canonical text on SQLite (no float)."""

    impl = Numeric(24, 8)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(24, 8, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            if isinstance(value, float):
                raise TypeError("money must be Decimal, not float")
            value = Decimal(value)
        return format(value, "f") if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)) if not isinstance(value, Decimal) else value


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetime on every backend (SQLite stores it naive in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
