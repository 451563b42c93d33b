"""Fields the platform computes on write (names, closed/won flags, list prices and totals, an
order's status category), and the writes it refuses on an activated order and its products:
deleting the order, deleting a product, adding one, changing one's quantity or unit price.

Adding a product to an activated order is ``ENTITY_IS_LOCKED`` with the wording real orgs answer
(reported from live orgs); deleting the activated order itself is ``DELETE_FAILED`` with that same
wording (reported from a live org, API v67.0: github.com/bgaldino/rlm-base-dev,
scripts/txn_data_harness/docs/contracts-sales-txn-order.md, "Cleanup"; the order must go back to
Draft first). Changing a product's price-impacting fields is refused where the org
enforces it (Salesforce Help, "Editing and Deletion Considerations for Order Products": with
Enhanced Commerce Orders); the sandbox always does, as ``FIELD_INTEGRITY_EXCEPTION`` in its own
words, since no public source gives Salesforce's wording of that refusal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from crm_sandbox.salesforce.errors import SalesforceApiError
from crm_sandbox.salesforce.objects import CLOSED_STAGES
from crm_sandbox.salesforce.schema import ObjectDef

if TYPE_CHECKING:
    from crm_sandbox.salesforce.store import Record, Store


def _lookup(store: Store, sobject: str, record_id: object) -> Record | None:
    if not isinstance(record_id, str):
        return None
    return store.records[sobject].get(record_id)


def _total(rec: Record) -> None:
    qty, price = rec.get("Quantity"), rec.get("UnitPrice")
    if isinstance(qty, Decimal) and isinstance(price, Decimal):
        total = qty * price
        discount = rec.get("Discount")
        if isinstance(discount, Decimal):
            total = total * (Decimal(100) - discount) / Decimal(100)
        rec["TotalPrice"] = total.quantize(Decimal("0.01"))


def derive(store: Store, obj: ObjectDef, rec: Record) -> None:
    """Fill computed fields of ``rec`` (called after every insert and update)."""
    name = obj.name
    if name == "Contact":
        rec["Name"] = " ".join(str(p) for p in (rec.get("FirstName"), rec.get("LastName")) if p)
    elif name == "Opportunity":
        stage = rec.get("StageName")
        rec["IsClosed"] = stage in CLOSED_STAGES
        rec["IsWon"] = CLOSED_STAGES.get(str(stage), False)
    elif name == "PricebookEntry":
        product = _lookup(store, "Product2", rec.get("Product2Id"))
        if product is not None:
            rec["Name"], rec["ProductCode"] = product["Name"], product["ProductCode"]
    elif name in ("OpportunityLineItem", "QuoteLineItem", "OrderItem"):
        entry = _lookup(store, "PricebookEntry", rec.get("PricebookEntryId"))
        if entry is not None:
            rec["Product2Id"] = entry["Product2Id"]
            if "ListPrice" in rec:
                rec["ListPrice"] = entry["UnitPrice"]
            if rec.get("UnitPrice") is None:
                rec["UnitPrice"] = entry["UnitPrice"]
            if "ProductCode" in rec:
                rec["Name"], rec["ProductCode"] = entry["Name"], entry["ProductCode"]
        if name != "OpportunityLineItem" or rec.get("TotalPrice") is None or rec.get("UnitPrice"):
            _total(rec)
    elif name == "Order":
        activated = rec.get("Status") in store.activated_order_statuses
        rec["StatusCode"] = "Activated" if activated else "Draft"
    elif name == "Quote":
        opp = _lookup(store, "Opportunity", rec.get("OpportunityId"))
        rec["AccountId"] = opp["AccountId"] if opp is not None else None


#: What an activated order locks: the order is not deleted, no product added or removed
#: (Salesforce's wording, answered to an added product and to the order's deletion).
LOCKED_ORDER = (
    "Unable to modify activated or superseded Order:  cannot delete Order, or add or remove "
    "Order Products"
)
#: An order product's fields that move the order's amount.
PRICE_FIELDS = ("Quantity", "UnitPrice")


def _activated(store: Store, order_id: object) -> bool:
    order = _lookup(store, "Order", order_id)
    return order is not None and order.get("StatusCode") == "Activated"


def _writable(obj: ObjectDef, done: str) -> None:
    if obj.read_only:
        raise SalesforceApiError(
            400, "INVALID_TYPE_FOR_OPERATION", f"entity type cannot be {done}: {obj.label}"
        )


def check_save(store: Store, obj: ObjectDef, values: Record, existing: Record | None) -> None:
    """Refuse, as Salesforce does, to add a product to an activated order (``existing`` None) or
    to change an existing product's quantity or unit price while its order is activated (the same
    value sent again is no change). A read-only object (``OrderStatus``) takes no write."""
    _writable(obj, "inserted" if existing is None else "updated")
    if obj.name != "OrderItem":
        return
    if existing is None:
        if _activated(store, values.get("OrderId")):
            raise SalesforceApiError(400, "ENTITY_IS_LOCKED", LOCKED_ORDER)
        return
    changed = [f for f in PRICE_FIELDS if f in values and values[f] != existing.get(f)]
    if changed and _activated(store, existing.get("OrderId")):
        raise SalesforceApiError(
            400,
            "FIELD_INTEGRITY_EXCEPTION",
            f"You can't change {' or '.join(changed)} of a product on an activated order.",
            changed,
        )


def check_delete(store: Store, obj: ObjectDef, rec: Record) -> None:
    """Refuse, as Salesforce does, to delete an activated order (``DELETE_FAILED``, the wording
    of :data:`LOCKED_ORDER`) or a product of one. Salesforce's code and wording for the product's
    deletion are not publicly reported; the sandbox answers in its own words."""
    _writable(obj, "deleted")
    if obj.name == "Order":
        if rec.get("StatusCode") == "Activated":
            raise SalesforceApiError(400, "DELETE_FAILED", LOCKED_ORDER)
        return
    if obj.name != "OrderItem":
        return
    if _activated(store, rec.get("OrderId")):
        raise SalesforceApiError(
            400,
            "FIELD_INTEGRITY_EXCEPTION",
            "You can't delete products from an activated order.",
        )
