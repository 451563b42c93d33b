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
import requests
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from connector.connections import Connection
from connector.sync.pull import Puller, PullOptions
from crm_sandbox.hubspot.testing import HubSpotSandboxHandle
from mappings import Rejected
from mappings.records import RawRecord
from order_core.customers.models import EndCustomer
from order_core.deals.models import Deal, DealLine
from tests.e2e.conftest import PullerFactory, Sandboxes
from tests.e2e.oracle import MODELS, assert_core_matches
from tests.e2e.probes import (
    ROOT,
    Snapshot,
    core_row,
    count,
    deal_by_crm_id,
    expected_hs,
    expected_sf,
    fast_hubspot,
    held,
    load,
    snapshot,
)

INJECTIONS = (
    "'; DROP TABLE deal; --",
    "Robert'); DELETE FROM deal_line WHERE ('1'='1",
    "</script><script>alert(document.cookie)</script>",
    "${jndi:ldap://127.0.0.1/x} {{7*7}} %s%n",
)


def _reasons(engine: Engine, source: str) -> dict[str, str]:
    return {e["crm_id"]: e["reason"] for e in held(engine, source)}


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
    reasons = _reasons(core, "acme-sf")
    assert set(reasons) == {rid for _, rid in bad}
    for (_sobject, rid), (_values, field) in bad.items():
        assert field in reasons[rid], (rid, reasons[rid])
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

CUSTOM = (
    {"name": "expiry_text", "label": "Expiry (text)", "type": "string", "fieldType": "text"},
    {"name": "discount_text", "label": "Discount (text)", "type": "string", "fieldType": "text"},
    {
        "name": "status_text",
        "label": "Status (picklist)",
        "type": "enumeration",
        "fieldType": "select",
        "options": [
            {"label": v, "value": v}
            for v in ("Pending", "Approved", "Rejected", "Expired", "Withdrawn")
        ],
    },
)


def _custom_mapping(folder: Path, hs: HubSpotSandboxHandle) -> Path:
    """The shipped HubSpot mapping, reading registration fields from custom properties (created
    through HubSpot's properties API) as many portals keep them: as text."""
    for prop in CUSTOM:
        answer = requests.post(
            f"{hs.base_url}/crm/v3/properties/deals",
            json={**prop, "groupName": "dealinformation"},
            headers={"Authorization": f"Bearer {hs.access_token}"},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
    text = (ROOT / "mappings" / "hubspot.yaml").read_text(encoding="utf-8")
    for old, new in (
        (
            "{from: registration_expires_on, transform: date}",
            "{from: expiry_text, transform: date}",
        ),
        (
            "registration_discount_percent: registration_discount_percent",
            "registration_discount_percent: discount_text",
        ),
        ("from: registration_status\n", "from: status_text\n"),
    ):
        assert old in text
        text = text.replace(old, new)
    path = folder / "hubspot-custom.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def custom_puller(
    sandboxes: Sandboxes, core: Engine, tmp_path: Path, request: pytest.FixtureRequest
) -> Puller:
    """A HubSpot puller whose mapping reads the custom text properties (after a first pull)."""
    mapping = _custom_mapping(tmp_path, sandboxes.hs)
    conn: Connection = load(tmp_path, hs=sandboxes.hs, hs_mapping=mapping)["emea-hs"]
    p = fast_hubspot(request, conn, core, sandboxes.hs)
    first = p.run()
    assert first.status == "ok" and first.total("quarantined") == 0, first.message
    return p


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
    reasons = _reasons(core, "emea-hs")
    assert set(reasons) == {rid for _, rid in bad}
    for (_obj, rid), (_values, field) in bad.items():
        assert field in reasons[rid], (rid, reasons[rid])
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


# -- hypothesis: any text in the text properties a deal's mapping reads --------------------------

JUNK = st.sampled_from(["", "  ", "2024-02-30", "31/12/2024", "1e999", "NaN", "3.5 %", "\x00"])
FIELDS = {
    "dealname": st.one_of(st.text(max_size=60), st.sampled_from(INJECTIONS), st.text(min_size=256)),
    "registration_scope": st.one_of(
        st.text(max_size=200), st.sampled_from(INJECTIONS), st.text(min_size=2001, max_size=2100)
    ),
    "expiry_text": st.one_of(
        st.dates().map(str), st.datetimes().map(lambda d: d.isoformat() + "Z"), JUNK, st.text()
    ),
    "discount_text": st.one_of(
        st.decimals(min_value=-1000, max_value=1000, places=2).map(str),
        st.decimals(allow_nan=False).map(str),
        JUNK,
    ),
}


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(values=st.fixed_dictionaries({}, optional=FIELDS))
def test_hubspot_any_text_is_applied_or_quarantined_never_a_crash(
    sandboxes: Sandboxes, custom_puller: Puller, core: Engine, values: dict[str, str]
) -> None:
    p, app = custom_puller, sandboxes.hs.app
    deal = str(app.records("deals")[0].id)
    baseline = {
        "dealname": "Fuzzed deal",
        "registration_scope": "",
        "expiry_text": "",
        "discount_text": "",
    }
    app.change_record("deals", deal, {**baseline, **values})  # each example on its own values

    report = p.run(PullOptions(objects=["deals"]))

    assert report.status == "ok", report.message
    rec = app.record("deals", deal)
    raw = RawRecord(deal, rec.updated, {k: rec.value(k) for k in p.mapping.crm_fields("deals")})
    (mapped,) = p.mapping.apply("deals", [raw])
    reasons = _reasons(core, "emea-hs")
    row = deal_by_crm_id(core, "emea-hs", deal)
    if isinstance(mapped, Rejected):
        event("the mapping refused it")
        assert reasons.get(deal), mapped
    elif deal in reasons:  # the mapping took it, the core's own checks did not: said why
        event("the core refused it")
        assert reasons[deal]
    else:
        event("applied")
        assert row is not None
        for name, value in mapped.values.items():
            if name in row and value is not None:
                assert row[name] == value, name
    assert count(core, Deal) == 40
