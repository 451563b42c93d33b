"""Seeded non-ASCII names and multi-line descriptions over the REST API; seed stamps in the past."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from crm_sandbox.salesforce.app import SalesforceSandboxApp
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle
from tests.crm_sandbox.salesforce.oracle import live, stamp_of

#: Objects whose seed rows carry the seed description, and the field that shows a name.
DESCRIBED = {
    "Account": "Name",
    "Contact": "Name",
    "Opportunity": "Name",
    "Product2": "Name",
    "OpportunityLineItem": "Name",
}


def test_seeded_text_round_trips_through_simple_salesforce(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    for sobject, name_field in DESCRIBED.items():
        stored = {
            str(r["Id"]): r for r in live(sf_sandbox, sobject) if r["Description"] is not None
        }
        assert stored, sobject
        ids = sorted(stored)[:40]
        quoted = ", ".join(f"'{i}'" for i in ids)
        rows = sf.query_all(
            f"SELECT Id, {name_field}, Description FROM {sobject} WHERE Id IN ({quoted})"
        )["records"]
        assert len(rows) == len(ids)
        for row in rows:
            rec = stored[row["Id"]]
            assert row["Description"] == rec["Description"]
            assert row["Description"].count("\n") >= 2 and '"' in row["Description"]
            assert row[name_field] == rec[name_field] and not row[name_field].isascii()


def test_seeded_contacts_carry_non_ascii_names_over_raw_http(
    http: httpx.Client, sf_sandbox: SalesforceSandboxHandle
) -> None:
    contact = next(r for r in live(sf_sandbox, "Contact") if not str(r["LastName"]).isascii())
    got = http.get(f"/sobjects/Contact/{contact['Id']}").json()
    assert (got["FirstName"], got["LastName"]) == (contact["FirstName"], contact["LastName"])
    assert not got["FirstName"].isascii()


def test_seed_stamps_lie_in_the_past() -> None:
    app = SalesforceSandboxApp(seed=4, records=40)
    now = datetime.now(UTC)
    for sobject, rows in app.store.records.items():
        for rec in rows.values():
            created, modified = stamp_of(rec, "CreatedDate"), stamp_of(rec)
            assert created <= modified == stamp_of(rec, "LastModifiedDate") <= now, sobject


def test_write_stamps_share_a_millisecond_and_never_run_ahead_of_the_clock() -> None:
    app = SalesforceSandboxApp(seed=1, records=3)
    stamps = [
        app.store.insert("Account", {"Name": f"Burst {n}"})["SystemModstamp"] for n in range(500)
    ]
    after = datetime.now(UTC)
    assert stamps == sorted(stamps)  # type: ignore[type-var]
    assert max(stamps) <= after  # type: ignore[type-var, operator]
    assert len(set(stamps)) < len(stamps)  # 500 writes in a few ms share stamps, as on Salesforce
