"""Fuzzed CRM records end to end: wrong types, huge strings, bad dates, unknown picklist values and
injection-looking text written into the sandboxes through their admin / REST APIs.

A record the core cannot take ends in the quarantine with a reason naming the CRM field; the rest
of its page is applied; the core keeps the record's last good version whole (never half of it);
the run never crashes. Text that merely looks dangerous is data: it is stored verbatim. Once the
CRM records are fixed, the next run releases them and the core equals the CRM again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from connector.sync.pull import Puller
from order_core.customers.models import EndCustomer
from order_core.deals.models import Deal, DealLine
from tests.e2e.conftest import PullerFactory, Sandboxes
from tests.e2e.fuzzing import INJECTIONS, custom_hubspot, reasons
from tests.e2e.oracle import MODELS, assert_core_matches
from tests.e2e.probes import (
    Snapshot,
    core_row,
    count,
    expected_hs,
    expected_sf,
    held,
    snapshot,
)


def _unchanged(before: Snapshot, engine: Engine, rows: list[tuple[str, int]]) -> None:
    """The core rows of quarantined records are exactly as they were (nothing half-written)."""
    after = snapshot(engine)
    for table, core_id in rows:
        assert after[table][core_id] == before[table][core_id], (table, core_id)


def test_salesforce_fuzzed_records_are_quarantined_and_the_rest_applied(
    sandboxes: Sandboxes, puller: PullerFactory, core: Engine
) -> None:
    p = puller("acme-sf")
    assert p.run().status == "ok"
    sf = sandboxes.sf.app
    admin = sf.admin_api

    def ids(sobject: str, **where: object) -> list[str]:
        rows = sf.store.records[sobject].values()
        return sorted(str(r["Id"]) for r in rows if all(r.get(k) == v for k, v in where.items()))

    customers, partners = ids("Account", IsPartner=False), ids("Account", IsPartner=True)
    opps, buyers = (
        ids("Opportunity"),
        [c for c in ids("Contact") if sf.store.records["Contact"][c].get("Channel_Role__c")],
    )
    lines = ids("OpportunityLineItem")
    bad: dict[tuple[str, str], tuple[dict[str, object], str]] = {
        ("Account", customers[0]): ({"BillingCountry": "Deutschland"}, "BillingCountry"),
        ("Account", customers[1]): ({"BillingCity": "y" * 200}, "BillingCity"),
        ("Account", customers[2]): ({"Website": "http://[broken"}, "Website"),
        ("Account", customers[3]): ({"Phone": "+1 " + "5" * 60}, "Phone"),
        ("Account", partners[0]): ({"Partner_Tier__c": "Diamond"}, "Partner_Tier__c"),
        ("Opportunity", opps[0]): (
            {"Registration_Status__c": "Withdrawn"},
            "Registration_Status__c",
        ),
        ("Opportunity", opps[1]): ({"Amount": "1e20"}, "Amount"),
        ("Opportunity", opps[2]): ({"Amount": "-1e16"}, "Amount"),
        ("Contact", buyers[0]): ({"Channel_Role__c": "Owner"}, "Channel_Role__c"),
        ("Contact", buyers[1]): ({"Email": "a" * 250 + "@x.io"}, "Email"),
        ("OpportunityLineItem", lines[0]): ({"Quantity": 0}, "quantity"),
    }
    odd: dict[tuple[str, str], dict[str, object]] = {
        ("Opportunity", opps[3]): {"Name": INJECTIONS[0]},
        ("Opportunity", opps[4]): {"Name": INJECTIONS[1], "Registration_Scope__c": INJECTIONS[2]},
        ("Opportunity", opps[5]): {"CloseDate": "0001-01-01", "Name": INJECTIONS[3]},
        ("Account", customers[4]): {"Name": INJECTIONS[2]},
    }
    targets = {
        "Account": None,
        "Opportunity": "deal",
        "Contact": "buyer",
        "OpportunityLineItem": "deal_line",
    }
    before = snapshot(core)
    kept: list[tuple[str, int]] = []
    for (sobject, rid), (values, _field) in bad.items():
        target = targets[sobject] or ("partner" if rid in partners else "end_customer")
        kept.append((target, core_row(core, MODELS[target], "acme-sf", target, rid)["id"]))
        admin.change_record(sobject, rid, values)
    for (sobject, rid), values in odd.items():
        admin.change_record(sobject, rid, values)

    report = p.run()

    assert report.status == "ok", report.message
    why = reasons(core, "acme-sf")
    assert set(why) == {rid for _, rid in bad}
    for (_sobject, rid), (_values, field) in bad.items():
        assert field in why[rid], (rid, why[rid])
    assert report.total("quarantined") == len(bad)
    _unchanged(before, core, kept)
    # The rest of each page went in, odd-looking text verbatim, and no table lost a row.
    assert core_row(core, Deal, "acme-sf", "deal", opps[3])["name"] == INJECTIONS[0]
    assert core_row(core, Deal, "acme-sf", "deal", opps[4])["registration_scope"] == INJECTIONS[2]
    assert str(core_row(core, Deal, "acme-sf", "deal", opps[5])["close_date"]) == "0001-01-01"
    assert (
        core_row(core, EndCustomer, "acme-sf", "end_customer", customers[4])["name"]
        == INJECTIONS[2]
    )
    assert count(core, Deal) == 40 and count(core, DealLine) == len(lines)

    # The CRM records are fixed: the next run releases every one of them.
    admin.change_record("Account", customers[0], {"BillingCountry": "DE"})
    admin.change_record("Account", customers[1], {"BillingCity": "Köln"})
    admin.change_record("Account", customers[2], {"Website": "https://fixed.example.com"})
    admin.change_record("Account", customers[3], {"Phone": "+49 221 1234"})
    admin.change_record("Account", partners[0], {"Partner_Tier__c": "Gold"})
    admin.change_record("Opportunity", opps[0], {"Registration_Status__c": "Approved"})
    admin.change_record("Opportunity", opps[1], {"Amount": "1234.50"})
    admin.change_record("Opportunity", opps[2], {"Amount": "99.99"})
    admin.change_record("Contact", buyers[0], {"Channel_Role__c": "Buyer"})
    admin.change_record("Contact", buyers[1], {"Email": "fixed@example.com"})
    admin.change_record("OpportunityLineItem", lines[0], {"Quantity": 2})

    fixed = p.run()

    assert fixed.status == "ok", fixed.message
    assert [(e["crm_id"], e["reason"]) for e in held(core, "acme-sf")] == []
    assert fixed.total("released") == len(bad)
    assert_core_matches(core, "acme-sf", expected_sf(sandboxes.sf, p.mapping))


# -- HubSpot: custom text properties where the core wants dates, decimals and picklist values ----


@pytest.fixture
def custom_puller(
    sandboxes: Sandboxes, core: Engine, tmp_path: Path, request: pytest.FixtureRequest
) -> Puller:
    """A HubSpot puller whose mapping reads the custom text properties (after a first pull)."""
    return custom_hubspot(request, sandboxes.hs, core, tmp_path)


def test_hubspot_fuzzed_records_are_quarantined_and_the_rest_applied(
    sandboxes: Sandboxes, custom_puller: Puller, core: Engine
) -> None:
    p, app = custom_puller, sandboxes.hs.app
    deals = [str(r.id) for r in app.records("deals")]
    customers = [
        str(r.id) for r in app.records("companies") if r.props.get("channel_role") == "customer"
    ]
    lines = [str(r.id) for r in app.records("line_items")]
    bad: dict[tuple[str, str], tuple[dict[str, str], str]] = {
        ("deals", deals[0]): ({"dealname": "x" * 300}, "dealname"),
        ("deals", deals[1]): ({"amount": "1e400"}, "amount"),
        ("deals", deals[2]): ({"amount": "NaN"}, "amount"),
        ("deals", deals[3]): ({"expiry_text": "31/02/2024"}, "expiry_text"),
        ("deals", deals[4]): ({"expiry_text": "2024-02-30"}, "expiry_text"),
        ("deals", deals[5]): ({"expiry_text": "-99999999999999"}, "expiry_text"),
        ("deals", deals[6]): ({"expiry_text": "9999-12-31T23:59:59-05:00"}, "expiry_text"),
        ("deals", deals[7]): ({"status_text": "Withdrawn"}, "status_text"),
        ("deals", deals[8]): ({"discount_text": "12,5 %"}, "discount_text"),
        ("deals", deals[9]): ({"dealname": "  "}, "dealname"),
        ("deals", deals[10]): ({"dealname": "lone \udc00 half"}, "dealname"),
        ("deals", deals[14]): ({"amount": "0.123456789"}, "amount"),  # 8 places kept: no rounding
        ("companies", customers[0]): ({"country": "Deutschland"}, "country"),
        ("companies", customers[1]): ({"city": "y" * 500}, "city"),
        ("companies", customers[2]): ({"domain": "http://[::1"}, "domain"),
        ("line_items", lines[0]): ({"quantity": "0"}, "quantity"),
        ("line_items", lines[1]): ({"hs_sku": ""}, "hs_sku"),
        ("line_items", lines[2]): ({"hs_position_on_quote": "2.5"}, "hs_position_on_quote"),
        ("line_items", lines[3]): ({"hs_sku": "S" * 100}, "hs_sku"),
    }
    odd: dict[str, dict[str, str]] = {
        deals[11]: {"dealname": INJECTIONS[0], "registration_scope": INJECTIONS[2]},
        deals[12]: {"dealname": INJECTIONS[1], "expiry_text": "2031-12-31"},
        deals[13]: {"dealname": INJECTIONS[3], "discount_text": "12.5"},
    }
    targets = {"deals": "deal", "companies": "end_customer", "line_items": "deal_line"}
    before = snapshot(core)
    kept: list[tuple[str, int]] = []
    originals: dict[tuple[str, str], dict[str, str]] = {}
    for (obj, rid), (values, _field) in bad.items():
        target = targets[obj]
        kept.append((target, core_row(core, MODELS[target], "emea-hs", target, rid)["id"]))
        originals[(obj, rid)] = {k: app.record(obj, rid).props.get(k, "") for k in values}
        app.change_record(obj, rid, values)
    for rid, values in odd.items():
        app.change_record("deals", rid, values)

    report = p.run()

    assert report.status == "ok", report.message
    why = reasons(core, "emea-hs")
    assert set(why) == {rid for _, rid in bad}
    for (_obj, rid), (_values, field) in bad.items():
        assert field in why[rid], (rid, why[rid])
    _unchanged(before, core, kept)
    deal = core_row(core, Deal, "emea-hs", "deal", deals[11])
    assert (deal["name"], deal["registration_scope"]) == (INJECTIONS[0], INJECTIONS[2])
    assert (
        str(core_row(core, Deal, "emea-hs", "deal", deals[12])["registration_expires_on"])
        == "2031-12-31"
    )
    assert str(
        core_row(core, Deal, "emea-hs", "deal", deals[13])["registration_discount_percent"]
    ).startswith("12.5")
    assert count(core, Deal) == 40 and count(core, DealLine) == len(lines)

    for (obj, rid), values in originals.items():
        app.change_record(obj, rid, values)
    fixed = p.run()

    assert fixed.status == "ok", fixed.message
    assert held(core, "emea-hs") == []
    assert_core_matches(core, "emea-hs", expected_hs(sandboxes.hs, p.mapping))
