"""query/ and queryAll/: paging, batchSize, deleted rows, and the SOQL subset, checked against the store."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import requests
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crm_sandbox.salesforce.testing import SalesforceSandboxHandle
from tests.crm_sandbox.salesforce.oracle import content, date_of, decimal_of, live, stamp_of

STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")


def test_query_all_pages_through_more_than_2000_rows(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    expected = {r["Id"] for r in live(sf_sandbox, "OpportunityLineItem")}
    assert len(expected) > 2000
    before = sf_sandbox.app.calls().get("query.more", 0)
    result = sf.query_all("SELECT Id, Quantity, Opportunity.Name FROM OpportunityLineItem")
    assert result["totalSize"] == len(expected)
    assert {r["Id"] for r in result["records"]} == expected
    pages = -(-len(expected) // 2000)
    assert sf_sandbox.app.calls()["query.more"] - before == pages - 1


def test_query_all_iter_fetches_pages_lazily(sf: Any, sf_sandbox: SalesforceSandboxHandle) -> None:
    before = sf_sandbox.app.calls().get("query.more", 0)
    rows = sf.query_all_iter("SELECT Id FROM OpportunityLineItem ORDER BY Id")
    first_page = [next(rows)["Id"] for _ in range(2000)]
    assert sf_sandbox.app.calls().get("query.more", 0) == before
    assert next(rows)["Id"] > first_page[-1]
    assert sf_sandbox.app.calls()["query.more"] == before + 1


def test_first_page_shape_and_relative_next_records_url(
    raw: requests.Session, sf_sandbox: SalesforceSandboxHandle
) -> None:
    url = f"{sf_sandbox.base_url}/services/data/v59.0/query/"
    first = raw.get(url, params={"q": "SELECT Id FROM OpportunityLineItem"}).json()
    assert first["done"] is False
    assert len(first["records"]) == 2000
    assert first["totalSize"] == len(live(sf_sandbox, "OpportunityLineItem"))
    assert re.fullmatch(
        r"/services/data/v59\.0/query/01g[0-9A-Za-z]{15}-2000", first["nextRecordsUrl"]
    )
    second = raw.get(sf_sandbox.base_url + first["nextRecordsUrl"]).json()
    assert second["done"] is True and "nextRecordsUrl" not in second
    assert len(first["records"]) + len(second["records"]) == first["totalSize"]


def test_batch_size_header_is_honoured_and_clamped(
    http: httpx.Client, sf_sandbox: SalesforceSandboxHandle
) -> None:
    total = len(live(sf_sandbox, "Opportunity"))
    page = http.get(
        "/query/",
        params={"q": "SELECT Id FROM Opportunity"},
        headers={"Sforce-Query-Options": "batchSize=500"},
    ).json()
    assert len(page["records"]) == 500 and page["totalSize"] == total
    seen = [r["Id"] for r in page["records"]]
    while not page["done"]:
        page = http.get(sf_sandbox.base_url + page["nextRecordsUrl"]).json()
        assert len(page["records"]) <= 500
        seen += [r["Id"] for r in page["records"]]
    assert len(seen) == len(set(seen)) == total
    tiny = http.get(
        "/query/",
        params={"q": "SELECT Id FROM Opportunity"},
        headers={"Sforce-Query-Options": "batchSize=10"},
    ).json()
    assert len(tiny["records"]) == 200


def test_query_all_returns_deleted_rows_with_is_deleted(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    victim = sf.query("SELECT Id FROM Contact ORDER BY Id LIMIT 1")["records"][0]["Id"]
    sf.Contact.delete(victim)
    plain = sf.query_all(f"SELECT Id FROM Contact WHERE Id = '{victim}'")
    everything = sf.query_all(
        f"SELECT Id, IsDeleted FROM Contact WHERE Id = '{victim}'", include_deleted=True
    )
    assert plain["totalSize"] == 0
    assert everything["records"][0]["IsDeleted"] is True
    listed = sf.query_all("SELECT Id FROM Contact WHERE IsDeleted = true", include_deleted=True)
    assert victim in {r["Id"] for r in listed["records"]}


def test_where_with_and_or_not_parentheses_in_like(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    soql = (
        "SELECT Id FROM Opportunity WHERE (StageName IN ('Closed Won', 'Prospecting') OR Amount >= 50000) "
        "AND (NOT Name LIKE '%5') AND PartnerAccountId != null AND Deal_Registration__c = TRUE "
        "AND StageName NOT IN ('Closed Lost')"
    )
    got = {r["Id"] for r in sf.query_all(soql)["records"]}
    want = {
        r["Id"]
        for r in live(sf_sandbox, "Opportunity")
        if (
            r["StageName"] in ("Closed Won", "Prospecting")
            or decimal_of(r, "Amount") >= Decimal(50000)
        )
        and not str(r["Name"]).endswith("5")
        and r["PartnerAccountId"] is not None
        and r["Deal_Registration__c"] is True
        and r["StageName"] != "Closed Lost"
    }
    assert got == want and want


def test_string_equality_and_like_are_case_insensitive(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    (name,) = [
        str(r["Name"]) for r in live(sf_sandbox, "Opportunity") if "000001" in str(r["Name"])
    ]
    exact = sf.query(f"SELECT Id FROM Opportunity WHERE Name = '{name}'")["records"]
    folded = sf.query(f"SELECT Id FROM Opportunity WHERE Name = '{name.upper()}'")["records"]
    like = sf.query("SELECT Id FROM Opportunity WHERE Name LIKE 'deal 00000_ %'")["totalSize"]
    assert exact and exact == folded
    assert like == 10


def test_parent_relationship_fields_nest_and_null_parents(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    rows = sf.query_all(
        "SELECT Id, Account.Name, PartnerAccount.Name, PartnerAccount.IsPartner FROM Opportunity"
    )["records"]
    accounts = sf_sandbox.app.store.records["Account"]
    opps = sf_sandbox.app.store.records["Opportunity"]
    assert any(r["PartnerAccount"] is None for r in rows)
    for row in rows:
        rec = opps[row["Id"]]
        assert row["Account"]["Name"] == accounts[str(rec["AccountId"])]["Name"]
        assert row["Account"]["attributes"]["type"] == "Account"
        if rec["PartnerAccountId"] is None:
            assert row["PartnerAccount"] is None
        else:
            assert row["PartnerAccount"]["IsPartner"] is True
    by_parent = sf.query_all(
        "SELECT Id FROM Opportunity WHERE PartnerAccount.Partner_Type__c = 'Distributor'"
    )
    assert by_parent["totalSize"] == sum(
        1
        for r in live(sf_sandbox, "Opportunity")
        if r["PartnerAccountId"]
        and accounts[str(r["PartnerAccountId"])]["Partner_Type__c"] == "Distributor"
    )


def test_datetime_and_date_literals(sf: Any, sf_sandbox: SalesforceSandboxHandle) -> None:
    stamps = sorted(stamp_of(r) for r in live(sf_sandbox, "Opportunity"))
    pivot = stamps[len(stamps) // 2]
    literal = pivot.strftime("%Y-%m-%dT%H:%M:%S.") + f"{pivot.microsecond // 1000:03d}Z"
    got = sf.query_all(
        f"SELECT Id, SystemModstamp FROM Opportunity WHERE SystemModstamp > {literal}"
    )
    assert got["totalSize"] == sum(1 for s in stamps if s > pivot)
    assert all(STAMP.match(r["SystemModstamp"]) for r in got["records"])
    offset = pivot.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    assert sf.query(f"SELECT COUNT() FROM Opportunity WHERE SystemModstamp <= {offset}")[
        "totalSize"
    ] == sum(1 for s in stamps if s <= pivot.replace(microsecond=0))
    day = date.today() + timedelta(days=30)
    closing = sf.query(f"SELECT COUNT() FROM Opportunity WHERE CloseDate < {day.isoformat()}")[
        "totalSize"
    ]
    assert closing == sum(
        1 for r in live(sf_sandbox, "Opportunity") if date_of(r, "CloseDate") < day
    )
    recent = sf.query("SELECT COUNT() FROM Opportunity WHERE SystemModstamp = LAST_N_DAYS:7")[
        "totalSize"
    ]
    cutoff = datetime.combine(date.today() - timedelta(days=7), datetime.min.time(), UTC)
    assert recent == sum(1 for s in stamps if s >= cutoff)


def test_order_by_several_fields_limit_and_offset(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    rows = sf.query(
        "SELECT Id, StageName, Amount FROM Opportunity ORDER BY StageName ASC, Amount DESC, Id LIMIT 40"
    )["records"]
    want = sorted(
        live(sf_sandbox, "Opportunity"),
        key=lambda r: (str(r["StageName"]).lower(), -decimal_of(r, "Amount"), str(r["Id"])),
    )
    assert [r["Id"] for r in rows] == [r["Id"] for r in want[:40]]
    skipped = sf.query(
        "SELECT Id FROM Opportunity ORDER BY StageName ASC, Amount DESC, Id LIMIT 5 OFFSET 10"
    )["records"]
    assert [r["Id"] for r in skipped] == [r["Id"] for r in want[10:15]]


def test_order_by_puts_nulls_first_ascending_and_last_descending(sf: Any) -> None:
    asc = sf.query_all(
        "SELECT Registration_Status__c FROM Opportunity ORDER BY Registration_Status__c"
    )["records"]
    desc = sf.query_all(
        "SELECT Registration_Status__c FROM Opportunity ORDER BY Registration_Status__c DESC"
    )["records"]
    assert (
        asc[0]["Registration_Status__c"] is None and asc[-1]["Registration_Status__c"] is not None
    )
    assert (
        desc[0]["Registration_Status__c"] is not None and desc[-1]["Registration_Status__c"] is None
    )
    last = sf.query_all(
        "SELECT Registration_Status__c FROM Opportunity ORDER BY Registration_Status__c ASC NULLS LAST"
    )["records"]
    assert last[-1]["Registration_Status__c"] is None


def test_count_returns_total_size_without_records(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    result = sf.query("SELECT COUNT() FROM Account WHERE IsPartner = true")
    assert result["records"] == []
    assert result["totalSize"] == sum(1 for r in live(sf_sandbox, "Account") if r["IsPartner"])


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Id FROM", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Name = ", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY"),
        ("SELECT Nope FROM Account", "INVALID_FIELD"),
        ("SELECT Id FROM Account WHERE Parent.Nope__c = 'x'", "INVALID_FIELD"),
        ("SELECT Id FROM Account WHERE IsPartner = 'true'", "INVALID_FIELD"),
        ("SELECT Id FROM Opportunity WHERE CloseDate > 2026-01-01T00:00:00Z", "INVALID_FIELD"),
        ("SELECT Id FROM Widget__c", "INVALID_TYPE"),
    ],
)
def test_bad_soql_raises_malformed_request_with_error_code(sf: Any, soql: str, code: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.query(soql)
    assert exc.value.status == 400
    assert content(exc.value)[0]["errorCode"] == code
    assert content(exc.value)[0]["message"]


def test_unknown_query_locator_is_rejected(
    raw: requests.Session, sf_sandbox: SalesforceSandboxHandle
) -> None:
    response = raw.get(f"{sf_sandbox.base_url}/services/data/v59.0/query/01g5g00000ZZZZZZZZ-2000")
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"
