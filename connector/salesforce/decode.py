"""Salesforce records as ``RawRecord``: from REST JSON and from Bulk API CSV, to the same values.

The mapping engine reads values from their text, so a value must read the same whichever API
carried it. REST sends JSON numbers (parsed as ``Decimal``) and booleans; Bulk sends CSV text, which
is typed here from the object's describe. Numbers are written without trailing zeros (``1250.0`` and
``1250.00`` are both ``1250``), date-times in REST's form (``2026-01-02T03:04:05.000+0000``); an empty
CSV cell is null, as REST sends null.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from mappings.records import RawRecord

#: Describe types read as numbers; ``int`` becomes an int, the others a Decimal.
DECIMAL_TYPES = frozenset({"double", "currency", "percent"})


def _canonical_text(text: str) -> bool:
    """Whether a number's text shows it canonical already: the common case, told cheaper than by
    ``as_tuple`` (no exponent, and a last decimal other than 0 or a whole number other than 0)."""
    if "E" in text or "e" in text:
        return False
    if "." in text:
        return text[-1] != "0"
    return text not in ("0", "-0")


def canonical(number: Decimal) -> Decimal:
    """``number`` without trailing fractional zeros and without a positive exponent (exactly)."""
    if _canonical_text(str(number)):
        return number
    if not number.is_finite():
        return number
    sign, raw_digits, raw_exp = number.as_tuple()
    digits, exp = list(raw_digits), int(raw_exp)
    while exp < 0 and len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exp += 1
    if digits == [0]:
        return Decimal(0)
    if exp > 0:
        digits.extend([0] * exp)
        exp = 0
    return Decimal((sign, tuple(digits), exp))


def parse_stamp(text: str) -> datetime:
    """A Salesforce date-time (``...+0000`` from REST, ``...Z`` from CSV) as an aware UTC datetime."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def rest_datetime(moment: datetime) -> str:
    """REST's text form of a date-time: ``2026-01-02T03:04:05.000+0000``."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def _json_value(value: object) -> object:
    return canonical(value) if isinstance(value, Decimal) else value


def _lookup(record: Mapping[str, Any], key: str) -> Any:
    if key in record:
        return record[key]
    low = key.lower()  # Salesforce answers with the canonical case of each name
    return next((v for k, v in record.items() if k.lower() == low), None)


def _path_value(record: Mapping[str, Any], path: Sequence[str]) -> object:
    value: Any = record
    for part in path:
        if not isinstance(value, Mapping):
            return None  # a null relationship: every field under it is null
        value = _lookup(value, part)
    return _json_value(value)


_ABSENT = object()


class JsonReader:
    """Turns REST query records into RawRecords with the fields asked for (keyed as asked)."""

    def __init__(self, fields: Sequence[str]) -> None:
        self.paths = [(f, tuple(f.split("."))) for f in fields]
        #: Each field with its path, or None for a name read straight off the record.
        self.plan = [(f, None if len(p) == 1 else p) for f, p in self.paths]

    def record(self, rec: Mapping[str, Any]) -> RawRecord:
        """One record of a query answer."""
        return RawRecord(
            crm_id=str(rec["Id"]),
            stamp=parse_stamp(str(rec["SystemModstamp"])),
            fields=self._fields(rec),
            deleted=bool(rec.get("IsDeleted", False)),
        )

    def _fields(self, rec: Mapping[str, Any]) -> dict[str, object]:
        if type(rec) is not dict:
            return {name: _path_value(rec, path) for name, path in self.paths}
        fields: dict[str, object] = {}
        for name, path in self.plan:
            if path is not None:
                fields[name] = _path_value(rec, path)
                continue
            value = rec.get(name, _ABSENT)
            if value is _ABSENT:
                value = _lookup(rec, name)
            fields[name] = canonical(value) if isinstance(value, Decimal) else value
        return fields


def _csv_converter(kind: str) -> Callable[[str], object]:
    if kind == "boolean":
        return lambda text: text.lower() == "true"
    if kind == "int":

        def to_int(text: str) -> object:
            try:
                return int(text)
            except ValueError:
                return _to_decimal(text)

        return to_int
    if kind in DECIMAL_TYPES:
        return _to_decimal
    if kind == "datetime":
        return _to_rest_datetime
    return lambda text: text


def _to_decimal(text: str) -> object:
    try:
        return canonical(Decimal(text))
    except InvalidOperation:
        return text  # the mapping says why it cannot use it


def _to_rest_datetime(text: str) -> object:
    try:
        return rest_datetime(parse_stamp(text))
    except ValueError:
        return text


class CsvReader:
    """Turns rows of a Bulk API CSV page into RawRecords, typed by the object's describe."""

    def __init__(self, header: Sequence[str], fields: Sequence[str], types: Mapping[str, str]):
        index = {h.lower(): n for n, h in enumerate(header)}
        missing = [
            f for f in ("Id", "SystemModstamp", "IsDeleted", *fields) if f.lower() not in index
        ]
        if missing:
            raise ValueError(f"the Bulk API answer has no column {', '.join(missing)}")
        self.id_at = index["id"]
        self.stamp_at = index["systemmodstamp"]
        self.deleted_at = index["isdeleted"]
        self.columns = [
            (f, index[f.lower()], _csv_converter(types.get(f.lower(), "string"))) for f in fields
        ]

    def record(self, row: Sequence[str]) -> RawRecord:
        """One CSV row."""
        return RawRecord(
            crm_id=row[self.id_at],
            stamp=parse_stamp(row[self.stamp_at]),
            fields={
                f: (convert(row[at]) if row[at] != "" else None) for f, at, convert in self.columns
            },
            deleted=row[self.deleted_at].lower() == "true",
        )
