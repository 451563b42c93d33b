"""The mapping file's ``push:`` section: validated with file, line and key; core-owned fields only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from mappings import Mapping, MappingError, load_mapping, shipped
from mappings.push import crm_fields

BASE = """\
version: 1
crm: salesforce
objects:
  Opportunity:
    routes:
      - target: deal
        fields:
          name: Name
          quote_requested: {from: Quote_Requested__c, default: false}
push:
  deal:
    object: Opportunity
    fields:
      Quote_Number__c: quote_number
      Quote_Requested__c: quote_requested
  order:
    object: Order
    external_id: Channelsync_Id__c
    fields:
      Name: number
      Status: {from: status, map: {paid: Paid, "*": Activated}}
"""


def _load(tmp_path: Path, text: str) -> Mapping:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    return load_mapping(path)


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_the_shipped_files_push_quotes_and_orders(crm: str) -> None:
    push = load_mapping(shipped(crm)).push
    assert push is not None and push.quote and push.order and push.deal and push.reseller


def test_values_are_mapped_to_crm_fields(tmp_path: Path) -> None:
    mapping = load_mapping(shipped("salesforce"))
    assert mapping.push is not None and mapping.push.order is not None
    got = crm_fields(
        mapping.push.order,
        {
            "number": "SO-1",
            "status": "partially_refunded",
            "placed_on": date(2026, 12, 1),
            "po_number": None,
            "history": "h",
            "total": Decimal("1.00"),
        },
    )
    assert got == {
        "Name": "SO-1",
        "EffectiveDate": date(2026, 12, 1),
        "PoNumber": None,
        "Description": "h",
        "Status": "Partially Refunded",
    }
    mine = _load(tmp_path, BASE)
    assert mine.push is not None and mine.push.order is not None
    order = mine.push.order
    assert crm_fields(order, {"number": "X", "status": "submitted"})["Status"] == "Activated"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "Name: number",
            "Name: numbr",
            "line 20: push.order.fields.Name: order has no value 'numbr'; use one of",
        ),
        (
            "      Quote_Number__c: quote_number",
            "      Name: quote_number",
            "line 14: push.deal.fields.Name: the pull reads Opportunity.Name as a CRM-owned value "
            "(name); the push writes only core-owned fields",
        ),
        (
            "    external_id: Channelsync_Id__c\n",
            "",
            "line 17: push.order: push.order writes by external id; name its external_id field",
        ),
        (
            "  order:\n",
            "  order_line:\n",
            "push.order_line: push.order_line needs push.order",
        ),
        (
            "      Quote_Number__c: quote_number",
            "      Quote_Number__c: {form: quote_number}",
            "line 14: push.deal.fields.Quote_Number__c.form: Extra inputs are not permitted",
        ),
    ],
)
def test_a_bad_push_section_names_file_line_and_key(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in BASE
    with pytest.raises(MappingError) as info:
        _load(tmp_path, BASE.replace(old, new))
    assert str(tmp_path / "m.yaml") in str(info.value)
    assert expected in str(info.value)
