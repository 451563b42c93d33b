"""The mapping file's ``push:`` section: which core values each push target offers, the checks
that hold a section against them and against the pull, and turning a snapshot into CRM fields.

Only core-owned values are pushed: a CRM field the pull reads as CRM-owned is refused, except
the deal's quote-requested flag, which the core clears to acknowledge a request.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from mappings.spec import MappingFile, PushField, PushObject
from mappings.values import as_text
from mappings.yaml_lines import Path_

#: The core values each push target offers (what ``from`` may name).
PUSH_VALUES: dict[str, frozenset[str]] = {
    "deal": frozenset(
        {
            "quote_number",
            "quote_version",
            "quote_state",
            "approval_state",
            "quote_total",
            "currency",
            "note",
            "quote_requested",
            "quote_document_url",
        }
    ),
    "quote": frozenset(
        {
            "title",
            "number",
            "version",
            "state",
            "approval_state",
            "currency",
            "valid_until",
            "total",
            "net_total",
        }
    ),
    "quote_line": frozenset({"sku", "name", "quantity", "unit_price", "total", "line_no"}),
    "order": frozenset(
        {"number", "status", "currency", "total", "po_number", "placed_on", "history"}
    ),
    "order_line": frozenset({"sku", "name", "quantity", "unit_price", "total", "line_no"}),
    "commission_statement": frozenset(
        {"period", "state", "currency", "accrued", "clawed_back", "total", "credit", "year_to_date"}
    ),
}
#: Targets written by external id, and the target each needs beside it.
_KEYED = ("quote", "quote_line", "order", "order_line")
_PARENT = {"quote_line": "quote", "order_line": "order"}
#: The pull's target whose CRM object the push's ``deal`` part writes.
_REQUEST_FLAG = "quote_requested"

Problem = tuple[Path_, str]


def _crm_owned(spec: MappingFile, part: PushObject) -> dict[str, str]:
    """CRM fields of ``part.object`` the pull reads as CRM-owned from the records the push writes
    -> the core field each feeds. A route whose ``when`` wants the push's external id absent never
    takes a pushed record (HubSpot line items: a deal's are pulled, a quote's are pushed)."""
    owned: dict[str, str] = {}
    ospec = spec.objects.get(part.object)
    for route in ospec.routes if ospec is not None else []:
        test = route.when.get(part.external_id or "")
        if test is not None and test.present is False:
            continue
        for name, rule in route.fields.items():
            if rule.owner == "crm":
                for crm_field in rule.crm_fields():
                    owned.setdefault(crm_field, name)
    return owned


def _object_problems(
    target: str, part: PushObject, owned: dict[str, str], at: Path_
) -> Iterator[Problem]:
    if target in _KEYED and not part.external_id:
        yield at, f"push.{target} writes by external id; name its external_id field"
    offered = PUSH_VALUES[target]
    for crm_field, rule in part.fields.items():
        where = (*at, "fields", crm_field)
        if rule.from_ not in offered:
            yield where, f"{target} has no value {rule.from_!r}; use one of {sorted(offered)}"
            continue
        pulled = owned.get(crm_field)
        acknowledges = target == "deal" and rule.from_ == _REQUEST_FLAG == pulled
        if pulled is not None and not acknowledges:
            yield (
                where,
                (
                    f"the pull reads {part.object}.{crm_field} as a CRM-owned value ({pulled}); the "
                    "push writes only core-owned fields: write another field or give the pull's "
                    "rule owner: core"
                ),
            )


def push_problems(spec: MappingFile) -> list[Problem]:
    """Every problem of the ``push:`` section, with the path of its key."""
    push = spec.push
    if push is None:
        return []
    found: list[Problem] = []
    for target in PUSH_VALUES:
        part = getattr(push, target)
        if part is None:
            continue
        at: Path_ = ("push", target)
        found.extend(_object_problems(target, part, _crm_owned(spec, part), at))
        parent = _PARENT.get(target)
        if parent is not None and getattr(push, parent) is None:
            found.append((at, f"push.{target} needs push.{parent} (lines belong to one)"))
    reseller = push.reseller
    if reseller is not None:
        needs = ("object", "role") if spec.crm == "salesforce" else ("label",)
        for key in needs:
            if not getattr(reseller, key):
                found.append((("push", "reseller"), f"a {spec.crm} reseller push needs {key}"))
    return found


def _value(rule: PushField, values: Mapping[str, object]) -> object:
    value = values.get(rule.from_)
    if rule.map is None:
        return value
    text = as_text(value) if value is not None else None
    if text is not None and text in rule.map:
        return rule.map[text]
    return rule.map.get("*", value)


def crm_fields(part: PushObject, values: Mapping[str, object]) -> dict[str, object]:
    """A snapshot's values as the CRM fields of a push part (value maps applied)."""
    return {crm_field: _value(rule, values) for crm_field, rule in part.fields.items()}
