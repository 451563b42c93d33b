"""The CRM search request (``PublicObjectSearchRequest``) as HubSpot reads it, refusing the rest.

Fields: ``filterGroups`` (OR of groups, each an AND of filters), ``filters`` (HubSpot's older
top-level form: one implicit group), ``sorts`` (``"prop"`` / ``"-prop"`` or ``{propertyName,
direction}``), ``query``, ``properties``, ``limit`` (0-200, default 10) and ``after`` (the offset
of the page). HubSpot's limits hold: at most 5 groups, 10 filters per group and 25 in all, and
``after + limit`` may not pass 10,000 results. Every filter and sort must name a property the
object type has (or ``associations.<type>``), every operator must get exactly the values it
takes, and values must fit the property's type (a number for a number property, an instant for
a date). A request with both ``filters`` and ``filterGroups`` is refused: HubSpot does not say
how it combines them, and the sandbox does not guess. Unknown fields are refused as well. Each
refusal is a 400 ``VALIDATION_ERROR``, never an answer to a different question.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from crm_sandbox.hubspot import body as b
from crm_sandbox.hubspot.objects import ObjectType, resolve
from crm_sandbox.hubspot.property_defs import PropertyDef
from crm_sandbox.hubspot.search import Query, SearchError
from crm_sandbox.hubspot.wire import parse_when

MAX_LIMIT = 200
MAX_QUERY = 3000
RESULT_CAP = 10_000
MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 10
MAX_FILTERS = 25
REQUEST_FIELDS = ("after", "filterGroups", "filters", "limit", "properties", "query", "sorts")
FILTER_FIELDS = ("highValue", "operator", "propertyName", "value", "values")
SORT_FIELDS = ("direction", "propertyName")
# operator -> (the fields it needs, the fields it refuses)
OPERATORS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    **{
        op: (("value",), ("values", "highValue"))
        for op in ("EQ", "NEQ", "LT", "LTE", "GT", "GTE", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN")
    },
    "BETWEEN": (("value", "highValue"), ("values",)),
    "IN": (("values",), ("value", "highValue")),
    "NOT_IN": (("values",), ("value", "highValue")),
    "HAS_PROPERTY": ((), ("value", "values", "highValue")),
    "NOT_HAS_PROPERTY": ((), ("value", "values", "highValue")),
}
_ASSOC_OPERATORS = ("EQ", "NEQ", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY")
_TOKEN_OPERATORS = ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN")


class UnknownProperty(SearchError):
    """A filter or sort names a property the object type does not have."""

    def __init__(self, t: ObjectType, name: str) -> None:
        super().__init__(
            f'Property "{name}" does not exist on object type {t.upper}. Read '
            f"/crm/v3/properties/{t.name} for the property names this object type has."
        )
        self.property_name = name


def parse(raw: Any, t: ObjectType, defs: dict[str, PropertyDef]) -> Query:
    """Check a search body against the object type's properties; the :class:`Query` it asks."""
    req = b.model(raw, "PublicObjectSearchRequest", REQUEST_FIELDS)
    limit = b.integer(req["limit"], "limit") if req.get("limit") is not None else 10
    if limit < 0 or limit > MAX_LIMIT:
        raise SearchError(f"limit: must be between 0 and {MAX_LIMIT} (got {limit})")
    offset = _offset(req.get("after"))
    if offset + limit > RESULT_CAP:
        raise SearchError(
            f"The search can return at most {RESULT_CAP} results per query; after={offset} with "
            f"limit={limit} pages beyond it. Narrow the filters (e.g. a smaller date range)."
        )
    groups = _groups(req, t, defs)
    sorts = [_sort(s, t, defs) for s in b.objects(b.field(req, "sorts", []), "String")]
    text = b.text(req["query"]) if req.get("query") is not None else None
    if text is not None and len(text) > MAX_QUERY:
        raise SearchError(f"query: at most {MAX_QUERY} characters (got {len(text)})")
    props = b.texts(b.field(req, "properties", []))
    return Query(groups, sorts, limit, offset, text or None, props)


def _offset(raw: Any) -> int:
    if raw is None or raw == "":
        return 0
    after = b.text(raw)
    if not after.isdigit():
        raise SearchError(
            f"after: '{after}' is not a paging cursor; pass paging.next.after of the previous page"
        )
    return int(after)


def _groups(req: dict[str, Any], t: ObjectType, defs: dict[str, PropertyDef]) -> list[list[Any]]:
    raw_groups = b.objects(b.field(req, "filterGroups", []), "FilterGroup")
    top = b.objects(b.field(req, "filters", []), "Filter")
    if top and raw_groups:
        raise SearchError(
            "filters and filterGroups were both given; send the filters as one of the "
            "filterGroups instead (each group is an AND of its filters, groups are ORed)"
        )
    listed = [top] if top else []
    for i, group in enumerate(raw_groups):
        filters = b.objects(
            b.model(group, "FilterGroup", ("filters",), ("filters",))["filters"], "Filter"
        )
        if not filters:
            raise SearchError(f"filterGroups[{i}]: a filter group needs at least one filter")
        listed.append(filters)
    if len(listed) > MAX_GROUPS:
        raise SearchError(f"filterGroups: at most {MAX_GROUPS} filter groups are allowed")
    if any(len(g) > MAX_FILTERS_PER_GROUP for g in listed):
        raise SearchError(f"filterGroups: at most {MAX_FILTERS_PER_GROUP} filters per group")
    if sum(len(g) for g in listed) > MAX_FILTERS:
        raise SearchError(f"filterGroups: at most {MAX_FILTERS} filters in total")
    return [[_filter(f, t, defs) for f in g] for g in listed]


def _filter(raw: Any, t: ObjectType, defs: dict[str, PropertyDef]) -> dict[str, Any]:
    """A filter normalised to ``{propertyName, operator[, value][, highValue][, values]}``."""
    f = b.model(raw, "Filter", FILTER_FIELDS, ("propertyName", "operator"))
    name, op = b.text(f["propertyName"]), b.text(f["operator"])
    if op not in OPERATORS:
        raise b.InvalidBody(
            "Invalid input JSON: Cannot deserialize value of type `FilterOperator` from String "
            f'"{op}": not one of the values accepted for Enum class: [{", ".join(sorted(OPERATORS))}]'
        )
    needs, refuses = OPERATORS[op]
    out: dict[str, Any] = {"propertyName": name, "operator": op}
    for key in needs:
        if f.get(key) is None or (key == "values" and not f[key]):
            raise _problem(f"operator {op} requires {key}")
    for key in refuses:
        if f.get(key) is not None:
            raise _problem(f"operator {op} does not take {key}")
    if f.get("value") is not None:
        out["value"] = b.text(f["value"])
    if f.get("highValue") is not None:
        out["highValue"] = b.text(f["highValue"])
    if f.get("values") is not None:
        out["values"] = b.texts(f["values"])
    if name.startswith("associations."):
        _check_association(name, op)
    elif name not in defs:
        raise UnknownProperty(t, name)
    elif op not in _TOKEN_OPERATORS:
        for value in [out.get("value"), out.get("highValue"), *out.get("values", [])]:
            if value is not None:
                _check_value(defs[name], value)
    return out


def _problem(what: str) -> b.InvalidBody:
    return b.InvalidBody(
        f"Invalid input JSON: Cannot construct instance of `Filter`, problem: {what}"
    )


def _check_association(name: str, op: str) -> None:
    target = resolve(name.split(".", 1)[1])
    if target is None or not target.stored:
        raise SearchError(f"{name}: unknown object type; use e.g. associations.company")
    if op not in _ASSOC_OPERATORS:
        raise SearchError(f"filters: {op} is not supported on {name}; use EQ or IN")


def _check_value(prop: PropertyDef, value: str) -> None:
    if prop.type == "number":
        try:
            Decimal(value)
        except InvalidOperation:
            raise SearchError(f"'{value}' is not a valid number for property {prop.name}") from None
    elif prop.type in ("date", "datetime") and parse_when(value) is None:
        raise SearchError(
            f"'{value}' is not a valid {prop.type} for property {prop.name}; "
            "use epoch milliseconds or ISO 8601"
        )
    elif prop.type == "bool" and value.lower() not in ("true", "false"):
        raise SearchError(
            f"'{value}' is not a valid bool for property {prop.name}; use true or false"
        )


def _sort(raw: Any, t: ObjectType, defs: dict[str, PropertyDef]) -> tuple[str, bool]:
    if isinstance(raw, str):
        name, desc = raw.removeprefix("-"), raw.startswith("-")
    else:
        s = b.model(raw, "Sort", SORT_FIELDS, ("propertyName",))
        name = b.text(s["propertyName"])
        direction = b.text(s.get("direction") or "ASCENDING")
        if direction not in ("ASCENDING", "DESCENDING"):
            raise b.InvalidBody(
                "Invalid input JSON: Cannot deserialize value of type `SortDirection` from String "
                f'"{direction}": not one of the values accepted for Enum class: [ASCENDING, DESCENDING]'
            )
        desc = direction == "DESCENDING"
    if name not in defs:
        raise UnknownProperty(t, name)
    return name, desc
