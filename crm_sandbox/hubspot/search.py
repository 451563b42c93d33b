"""CRM search semantics: filter groups (OR of ANDed filters), every operator, sorts, text query.

Requests arrive already checked and normalised by ``search_request`` (every filter names a real
property, carries the values its operator needs, as strings). Comparisons follow the property's
type: numbers numerically, dates and datetimes as instants (filter values may be epoch
milliseconds or ISO text), strings case-insensitively. Negative operators (``NEQ``, ``NOT_IN``,
``NOT_CONTAINS_TOKEN``) also match records where the property is unset, as HubSpot's index does;
``NOT_HAS_PROPERTY`` matches only those. The pseudo-property ``associations.<type>`` (e.g.
``associations.company``) filters by associated record ids. Records with the sort property unset
sort last whichever the direction; ties keep id order.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from crm_sandbox.hubspot.property_defs import PropertyDef
from crm_sandbox.hubspot.store import HsRecord
from crm_sandbox.hubspot.wire import epoch_ms, parse_when

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


class SearchError(ValueError):
    """The search cannot be answered as asked (answered with a 400 ``VALIDATION_ERROR``)."""


@dataclass
class Query:
    """A checked search request."""

    groups: list[list[dict[str, Any]]]
    sorts: list[tuple[str, bool]]  # (property, descending)
    limit: int
    offset: int
    text: str | None
    properties: list[str]


Key = Callable[[str], Any]


def _key_for(prop: PropertyDef | None) -> Key:
    kind = prop.type if prop is not None else "string"
    if kind == "number":
        return _num
    if kind in ("date", "datetime"):
        return _when
    return lambda v: v.lower()


def _num(v: str) -> Decimal | None:
    try:
        return Decimal(v)
    except InvalidOperation:
        return None


def _when(v: str) -> int | None:
    parsed = parse_when(v)
    return None if parsed is None else epoch_ms(parsed)


def _tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


def _contains_token(value: str, wanted: str) -> bool:
    tokens = _tokens(value)
    patterns = [p.lower() for p in wanted.split() if p]
    return all(any(fnmatch.fnmatchcase(t, p) for t in tokens) for p in patterns)


Getter = Callable[[HsRecord], Any]


def _getter(name: str, key: Key) -> Getter:
    """The comparable value of a property on a record (``None`` when unset or unparsable)."""
    if name == "hs_object_id":
        return lambda r: _num(str(r.id)) if key is _num else key(str(r.id))

    def get(rec: HsRecord) -> Any:
        t = rec.otype
        if key is _when and name == t.stamp_property:
            return epoch_ms(rec.updated)  # the hot path of every incremental sync
        if key is _when and name == t.create_property:
            return epoch_ms(rec.created)
        raw = rec.value(name)
        return None if raw is None else key(raw)

    return get


AssocLookup = Callable[[HsRecord, str], set[str]]


def _assoc_filter(
    name: str, op: str, f: dict[str, Any], lookup: AssocLookup
) -> Callable[[HsRecord], bool]:
    """``associations.<type>`` pseudo-property: ids of associated records of that type."""
    target = name.split(".", 1)[1]
    wanted = {str(v) for v in f.get("values") or []} if op in ("IN", "NOT_IN") else set()
    if op in ("EQ", "NEQ"):
        wanted = {str(f["value"])}
    negative = op in ("NEQ", "NOT_IN")
    if op in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        return lambda r: bool(lookup(r, target)) == (op == "HAS_PROPERTY")
    if op not in ("EQ", "NEQ", "IN", "NOT_IN"):
        raise SearchError(f"filters: {op} is not supported on {name}; use EQ or IN")
    return lambda r: bool(lookup(r, target) & wanted) != negative


def compile_filter(
    f: dict[str, Any], defs: dict[str, PropertyDef], lookup: AssocLookup | None = None
) -> Callable[[HsRecord], bool]:
    """A predicate for one filter; filter values are parsed once, not per record."""
    name = str(f["propertyName"])
    op = str(f.get("operator", "EQ"))
    if name.startswith("associations.") and lookup is not None:
        return _assoc_filter(name, op, f, lookup)
    if op in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        want_set = op == "HAS_PROPERTY"
        return lambda r: (r.value(name) is not None) == want_set
    negative = op in ("NEQ", "NOT_IN", "NOT_CONTAINS_TOKEN")
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        wanted = str(f["value"])

        def token(r: HsRecord) -> bool:
            raw = r.value(name)
            return negative if raw is None else _contains_token(raw, wanted) != negative

        return token
    key = _key_for(defs.get(name))
    get = _getter(name, key)
    if op in ("IN", "NOT_IN"):
        values = {key(str(v)) for v in f.get("values") or []}

        def within(r: HsRecord) -> bool:
            have = get(r)
            return negative if have is None else (have in values) != negative

        return within
    want = key(str(f["value"]))
    high = key(str(f["highValue"])) if op == "BETWEEN" else None
    compare: dict[str, Callable[[Any], bool]] = {
        "EQ": lambda h: bool(h == want),
        "NEQ": lambda h: bool(h != want),
        "LT": lambda h: want is not None and bool(h < want),
        "LTE": lambda h: want is not None and bool(h <= want),
        "GT": lambda h: want is not None and bool(h > want),
        "GTE": lambda h: want is not None and bool(h >= want),
        "BETWEEN": lambda h: want is not None and high is not None and bool(want <= h <= high),
    }
    test = compare[op]

    def check(r: HsRecord) -> bool:
        have = get(r)
        return negative if have is None else test(have)

    return check


def run(
    records: Iterable[HsRecord],
    q: Query,
    defs: dict[str, PropertyDef],
    text_props: tuple[str, ...],
    lookup: AssocLookup | None = None,
) -> list[HsRecord]:
    """Every match of the query's filters, text and sorts, in result order (unpaged)."""
    groups = [[compile_filter(f, defs, lookup) for f in g] for g in q.groups]
    hits = [
        r
        for r in records
        if (not groups or any(all(p(r) for p in g) for g in groups))
        and (q.text is None or _text_hit(r, q.text, text_props))
    ]
    hits.sort(key=lambda r: r.id)
    for name, desc in reversed(q.sorts):
        get = _getter(name, _key_for(defs.get(name)))
        keyed = [(get(r), r) for r in hits]
        present = [(k, r) for k, r in keyed if k is not None]
        present.sort(key=lambda kr: kr[0], reverse=desc)
        hits = [r for _, r in present] + [r for k, r in keyed if k is None]
    return hits


def cache_key(q: Query) -> str:
    """What identifies a query's result set regardless of paging (``after`` / ``limit``)."""
    return json.dumps([q.groups, q.sorts, q.text], sort_keys=True, default=str)


def _text_hit(rec: HsRecord, text: str, props: tuple[str, ...]) -> bool:
    needle = text.lower().strip("*")
    return any(needle in (rec.value(p) or "").lower() for p in props)
