"""An activated order's products, through simple-salesforce: none added, none removed, no quantity or
unit price changed, on every write path (sObject rows, upsert by external id, sObject Collections
with per-record errors); a draft order takes all of them, and other fields stay editable."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crm_sandbox.salesforce.derive import LOCKED_ORDER
from crm_sandbox.salesforce.objects_commerce import ORDER_STATUSES
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle
from tests.crm_sandbox.salesforce.oracle import content

LOCKED = ("ENTITY_IS_LOCKED", LOCKED_ORDER)


@pytest.fixture()
def orders(sf: Any, request: pytest.FixtureRequest) -> dict[str, Any]:
    """An activated order holding one product (``item``, external id ``<tag>-1``), a draft
    order, and the price book entry both use."""
    tag = f"ACT-{request.node.name[-40:]}"
    opp = sf.query("SELECT Id, AccountId, Pricebook2Id FROM Opportunity LIMIT 1")["records"][0]
    entry = sf.query("SELECT Id FROM PricebookEntry LIMIT 1")["records"][0]["Id"]

    def order(status: str) -> str:
        made = sf.Order.create(
            {
                "AccountId": opp["AccountId"],
                "EffectiveDate": "2026-02-01",
                "Status": "Draft",
                "Pricebook2Id": opp["Pricebook2Id"],
            }
        )
        if status != "Draft":
            sf.Order.update(made["id"], {"Status": status})
        return str(made["id"])

    active = order("Draft")
    item = sf.OrderItem.create(
        {
            "OrderId": active,
            "PricebookEntryId": entry,
            "Quantity": 2,
            "UnitPrice": 10,
            "Channelsync_Id__c": f"{tag}-1",
        }
    )["id"]
    sf.Order.update(active, {"Status": "Activated"})
    return {"active": active, "draft": order("Draft"), "entry": entry, "item": item, "tag": tag}


def _errors(exc: pytest.ExceptionInfo[SalesforceMalformedRequest]) -> list[tuple[str, str]]:
    return [(e["errorCode"], e["message"]) for e in content(exc.value)]


def _items(sf_sandbox: SalesforceSandboxHandle, order_id: str) -> list[dict[str, object]]:
    store = sf_sandbox.app.store
    return [
        sf_sandbox.app.admin_api.record("OrderItem", str(r["Id"]))
        for r in store.records["OrderItem"].values()
        if r["OrderId"] == order_id and not r["IsDeleted"]
    ]


def test_the_order_is_activated(sf: Any, orders: dict[str, Any]) -> None:
    assert sf.Order.get(orders["active"])["StatusCode"] == "Activated"
    assert sf.Order.get(orders["draft"])["StatusCode"] == "Draft"


def test_no_product_is_added_by_create_or_upsert(
    sf: Any, sf_sandbox: SalesforceSandboxHandle, orders: dict[str, Any]
) -> None:
    line = {"OrderId": orders["active"], "PricebookEntryId": orders["entry"], "Quantity": 1}
    with pytest.raises(SalesforceMalformedRequest) as created:
        sf.OrderItem.create({**line, "UnitPrice": 5})
    assert _errors(created) == [LOCKED]
    with pytest.raises(SalesforceMalformedRequest) as upserted:
        sf.OrderItem.upsert(f"Channelsync_Id__c/{orders['tag']}-2", {**line, "UnitPrice": 5})
    assert _errors(upserted) == [LOCKED]
    assert [r["Channelsync_Id__c"] for r in _items(sf_sandbox, orders["active"])] == [
        f"{orders['tag']}-1"
    ]
    # A draft order takes the same product.
    ok = sf.OrderItem.create({**line, "OrderId": orders["draft"], "UnitPrice": 5})
    assert ok["success"] is True


def test_no_quantity_or_price_changes_but_other_fields_do(
    sf: Any, sf_sandbox: SalesforceSandboxHandle, orders: dict[str, Any]
) -> None:
    item = orders["item"]
    for change, field in (({"Quantity": 3}, "Quantity"), ({"UnitPrice": 11.5}, "UnitPrice")):
        with pytest.raises(SalesforceMalformedRequest) as refused:
            sf.OrderItem.update(item, change)
        [(code, message)] = _errors(refused)
        assert code == "FIELD_INTEGRITY_EXCEPTION" and field in message
        assert content(refused.value)[0]["fields"] == [field]
    with pytest.raises(SalesforceMalformedRequest) as by_key:
        sf.OrderItem.upsert(f"Channelsync_Id__c/{orders['tag']}-1", {"Quantity": 4})
    assert _errors(by_key)[0][0] == "FIELD_INTEGRITY_EXCEPTION"
    # The same values again are no change; the description is not price-impacting.
    sf.OrderItem.update(item, {"Quantity": 2, "UnitPrice": 10.0, "Description": "kept"})
    sf.OrderItem.upsert(f"Channelsync_Id__c/{orders['tag']}-1", {"Quantity": 2.0})
    record = sf_sandbox.app.admin_api.record("OrderItem", item)
    assert (record["Quantity"], record["UnitPrice"], record["Description"]) == (2.0, 10.0, "kept")
    assert sf_sandbox.app.store.records["OrderItem"][item]["TotalPrice"] == Decimal("20.00")


def test_collections_refuse_per_record_and_save_the_rest(
    sf: Any, sf_sandbox: SalesforceSandboxHandle, orders: dict[str, Any]
) -> None:
    tag, entry = orders["tag"], orders["entry"]

    def line(order_id: str, key: str, quantity: int) -> dict[str, object]:
        return {
            "attributes": {"type": "OrderItem"},
            "OrderId": order_id,
            "PricebookEntryId": entry,
            "Quantity": quantity,
            "UnitPrice": 10,
            "Channelsync_Id__c": key,
        }

    created = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": False,
            "records": [
                line(orders["active"], f"{tag}-c", 1),
                line(orders["draft"], f"{tag}-d", 1),
            ],
        },
    )
    assert created[0] == {
        "success": False,
        "errors": [{"statusCode": "ENTITY_IS_LOCKED", "message": LOCKED_ORDER, "fields": []}],
    }
    assert created[1]["success"] is True
    upserted = sf.restful(
        "composite/sobjects/OrderItem/Channelsync_Id__c",
        method="PATCH",
        json={
            "allOrNone": False,
            "records": [
                line(orders["active"], f"{tag}-1", 5),  # existing: a quantity change
                line(orders["active"], f"{tag}-u", 1),  # new on the activated order
                line(orders["draft"], f"{tag}-d", 6),  # the draft order's line changes
            ],
        },
    )
    assert [r["success"] for r in upserted] == [False, False, True]
    assert upserted[0]["errors"][0]["statusCode"] == "FIELD_INTEGRITY_EXCEPTION"
    assert upserted[0]["errors"][0]["fields"] == ["Quantity"]
    assert upserted[1]["errors"][0]["statusCode"] == "ENTITY_IS_LOCKED"
    updated = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "OrderItem"}, "Id": orders["item"], "UnitPrice": 1}
            ],
        },
    )
    assert updated == [
        {
            "id": orders["item"],
            "success": False,
            "errors": [
                {
                    "statusCode": "FIELD_INTEGRITY_EXCEPTION",
                    "message": "You can't change UnitPrice of a product on an activated order.",
                    "fields": ["UnitPrice"],
                }
            ],
        }
    ]
    [kept] = _items(sf_sandbox, orders["active"])
    assert (kept["Channelsync_Id__c"], kept["Quantity"], kept["UnitPrice"]) == (
        f"{tag}-1",
        2.0,
        10.0,
    )
    [draft] = _items(sf_sandbox, orders["draft"])
    assert (draft["Channelsync_Id__c"], draft["Quantity"]) == (f"{tag}-d", 6.0)


def test_no_product_is_deleted_until_the_order_is_draft_again(
    sf: Any, sf_sandbox: SalesforceSandboxHandle, orders: dict[str, Any]
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.OrderItem.delete(orders["item"])
    assert _errors(refused)[0][0] == "FIELD_INTEGRITY_EXCEPTION"
    sf.Order.update(orders["active"], {"Status": "Draft"})
    sf.OrderItem.update(orders["item"], {"Quantity": 9})
    sf.OrderItem.delete(orders["item"])
    assert _items(sf_sandbox, orders["active"]) == []


def test_the_activated_order_is_not_deleted_until_it_is_draft_again(
    sf: Any, sf_sandbox: SalesforceSandboxHandle, orders: dict[str, Any]
) -> None:
    """DELETE_FAILED in Salesforce's wording (reported from a live org, API v67.0), on the
    sObject row and through sObject Collections."""
    active = orders["active"]
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.Order.delete(active)
    assert _errors(refused) == [("DELETE_FAILED", LOCKED_ORDER)]
    removed = sf.restful("composite/sobjects", params={"ids": active}, method="DELETE")
    assert removed == [
        {
            "id": active,
            "success": False,
            "errors": [{"statusCode": "DELETE_FAILED", "message": LOCKED_ORDER, "fields": []}],
        }
    ]
    assert sf.Order.get(active)["StatusCode"] == "Activated"
    assert [r["Id"] for r in _items(sf_sandbox, active)] == [orders["item"]]
    sf.Order.update(active, {"Status": "Draft"})
    sf.Order.delete(active)
    assert not any(
        r["Id"] == active and not r["IsDeleted"]
        for r in sf_sandbox.app.store.records["Order"].values()
    )


def test_order_status_lists_each_status_with_its_category_as_the_admin_sets_them(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    soql = "SELECT ApiName, MasterLabel, StatusCode FROM OrderStatus ORDER BY SortOrder"

    def categories() -> list[tuple[str, str, str]]:
        return [
            (r["ApiName"], r["MasterLabel"], r["StatusCode"]) for r in sf.query(soql)["records"]
        ]

    listed = categories()
    assert [a for a, _, _ in listed] == list(ORDER_STATUSES)
    assert all(a == label for a, label, _ in listed)
    assert {a for a, _, code in listed if code == "Activated"} == {"Activated"}
    admin = sf_sandbox.app.admin_api
    try:
        admin.set_activated_order_statuses({"Activated", "Fulfilled", "Paid"})
        assert {a for a, _, c in categories() if c == "Activated"} == {
            "Activated",
            "Fulfilled",
            "Paid",
        }
        found = sf.query("SELECT ApiName FROM OrderStatus WHERE StatusCode = 'Draft' LIMIT 1")
        assert found["records"][0]["ApiName"] == "Draft"
    finally:
        admin.set_activated_order_statuses({"Activated"})
    assert {a for a, _, c in categories() if c == "Activated"} == {"Activated"}


def test_order_status_takes_no_write(sf: Any) -> None:
    [row] = sf.query("SELECT Id FROM OrderStatus WHERE ApiName = 'Draft'")["records"]
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.OrderStatus.create({})
    assert _errors(refused) == [
        ("INVALID_TYPE_FOR_OPERATION", "entity type cannot be inserted: Order Status Value")
    ]
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.OrderStatus.delete(row["Id"])
    assert _errors(refused)[0][0] == "INVALID_TYPE_FOR_OPERATION"
    assert sf.OrderStatus.describe()["createable"] is False
