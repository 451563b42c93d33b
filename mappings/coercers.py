"""Converters chosen once per target field: ``coercer(spec)(value)`` is ``coerce(value, spec)``.

The kind, length limit, scale and choices of a field are fixed when a mapping is compiled, so the
converter for each field is picked then, not per value; each one gives the same value or the same
reason as the rules in ``values`` say.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import cache

from mappings.targets import TargetField
from mappings.values import BadValue, as_text, shown, to_bool, to_date, to_datetime

Convert = Callable[[object], object]


def to_decimal(value: object) -> Decimal:
    """An exact decimal from text, an int or a Decimal; never through float.

    A Decimal is taken as it is: its text would read back to the very same number.
    """
    if type(value) is Decimal:
        result = value
    elif type(value) is str:
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise BadValue(f"{shown(value)} is not a number") from None
    else:
        if isinstance(value, bool):
            raise BadValue(f"{shown(value)} is not a number")
        try:
            result = Decimal(as_text(value).strip())
        except InvalidOperation:
            raise BadValue(f"{shown(value)} is not a number") from None
    if not result.is_finite():
        raise BadValue(f"{shown(value)} is not a finite number")
    if abs(result.adjusted()) > 15:
        raise BadValue(f"{shown(value)} is out of range")
    return result


def _text(limit: int | None) -> Convert:
    """Text the core can store (no NUL, no unpaired surrogate), at most ``limit`` characters."""

    def convert(value: object) -> object:
        result = value if type(value) is str else as_text(value)
        if "\x00" in result:
            raise BadValue(f"{shown(value)} contains a NUL character")
        if not result.isascii():
            try:
                result.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate: JSON can carry it, no database can
                raise BadValue(
                    f"{shown(value)} is not valid Unicode (an unpaired surrogate)"
                ) from None
        if limit is not None and len(result) > limit:
            raise BadValue(f"is {len(result)} characters long; the core keeps at most {limit}")
        return result

    return convert


def _places(number: Decimal) -> int:
    """The decimal places ``number`` is written with (its text tells, cheaper than as_tuple)."""
    text = str(number)
    if "E" in text or "e" in text:
        return -int(number.as_tuple().exponent)
    dot = text.find(".")
    return 0 if dot < 0 else len(text) - dot - 1


def _number(scale: int | None) -> Convert:
    """An exact decimal with at most ``scale`` decimal places."""

    def convert(value: object) -> object:
        result = to_decimal(value)
        if scale is not None and _places(result) > scale:
            # Only a value written with more places than kept can have too many once normalized.
            places = -int(result.normalize().as_tuple().exponent)
            if places > scale:
                raise BadValue(
                    f"{shown(value)} has {places} decimal places; the core keeps {scale} "
                    "(round it in the CRM)"
                )
        return result

    return convert


def to_int(value: object) -> int:
    """A whole number (``3``, ``"3"``, ``"3.0"``)."""
    number = to_decimal(value)
    if number != number.to_integral_value():
        raise BadValue(f"{shown(value)} is not a whole number")
    return int(number)


def _code(size: int, limit: int | None) -> Convert:
    """An ISO country (2 letters) or currency (3 letters) code, upper case."""
    code = "an ISO 3166 country code like US" if size == 2 else "an ISO 4217 code like USD"

    def convert(value: object) -> object:
        text = as_text(value).strip().upper()
        if len(text) != size or not text.isalpha() or not text.isascii():
            raise BadValue(f"{shown(value)} is not {code}; add a value map")
        if limit is not None and len(text) > limit:
            raise BadValue(f"is {len(text)} characters long; the core keeps at most {limit}")
        return text

    return convert


def _base(spec: TargetField) -> Convert:
    kind = spec.kind
    if kind in ("str", "ref"):
        return _text(spec.max_length)
    if kind == "decimal":
        return _number(spec.scale)
    if kind == "country":
        return _code(2, spec.max_length)
    if kind == "currency":
        return _code(3, spec.max_length)
    simple: dict[str, Convert] = {
        "int": to_int,
        "bool": to_bool,
        "date": to_date,
        "datetime": to_datetime,
    }
    return simple[kind]


@cache
def coercer(spec: TargetField) -> Convert:
    """The converter of values for ``spec``'s field: the value as its kind, or BadValue saying why."""
    base = _base(spec)
    choices = spec.choices
    if not choices:
        return base
    allowed = list(choices)

    def chosen(value: object) -> object:
        result = base(value)
        if result not in choices:
            raise BadValue(f"{shown(result)} is not one of {allowed}; add a value map")
        return result

    return chosen


def coerce(value: object, spec: TargetField) -> object:
    """``value`` as the kind ``spec`` takes, or BadValue saying why not."""
    return coercer(spec)(value)
