"""An activated Salesforce order takes no new product and no quantity or price change: the push
dead-letters its events with one line naming the order, what was refused and the fix, the batch's
other orders still go through, and the re-queued letters land once its status is out of the
Activated category."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from crm_sandbox.common.seed import PRODUCT_FAMILIES
from order_core.db import new_session
from order_core.orders.models import Order
from order_core.orders.pricing import CartItem
from order_core.orders.revise import revise_order
from order_core.outbox.dead_letters import list_dead_letters, requeue_dead_letters
from order_core.partners.buyers import buyer_actor
from tests.e2e.push_world import (
    ADMIN,
    DESK,
    SF,
    PushWorld,
    advance,
    order_from_quote,
    order_lines,
    quote_with_lines,
)


def _sf_lines(world: PushWorld, number: str) -> dict[str, tuple[object, object]]:
    """The order's live Salesforce products by external id: (Quantity, UnitPrice)."""
    store = world.sandboxes.sf.app.store
    return {
        str(r["Channelsync_Id__c"]): (r["Quantity"], r["UnitPrice"])
        for r in store.records["OrderItem"].values()
        if str(r.get("Channelsync_Id__c") or "").startswith(f"{number}-") and not r["IsDeleted"]
    }


def _sf_order(world: PushWorld, number: str) -> dict[str, object]:
    """The order's Salesforce record (JSON values)."""
    [order] = world.sandboxes.sf.app.store.find_by("Order", "Channelsync_Id__c", number)
    return world.sandboxes.sf.app.admin_api.record("Order", str(order["Id"]))


def _grow(world: PushWorld, number: str) -> str:
    """Revise the order (its buyer): one more of its first line and a SKU it did not have; the
    new line's key."""
    lines = order_lines(world.engine, number)
    skus = {ln.sku for ln in lines}
    catalog = [f"CS-{fam[:3].upper()}-{n:03d}" for fam in PRODUCT_FAMILIES for n in (1, 2, 3)]
    extra = next(s for s in catalog if s not in skus)
    items = [
        CartItem(ln.sku, int(ln.quantity) + (1 if i == 0 else 0)) for i, ln in enumerate(lines)
    ]
    with new_session(world.engine) as session:
        order = session.exec(select(Order).where(Order.number == number)).one()
        revised = revise_order(
            number,
            session=session,
            actor=buyer_actor(session, order.buyer_id),
            lines=[*items, CartItem(extra, 1)],
            policy=DESK,
        )
        assert revised.status == "pending_approval"
    return f"{number}-{len(lines) + 1}"


def test_an_activated_order_refuses_new_and_changed_lines_and_says_so(world: PushWorld) -> None:
    admin = world.sandboxes.sf.app.admin_api
    quote = quote_with_lines(world, SF)
    grown = order_from_quote(world.engine, quote.id or 0, policy=DESK)  # pending approval
    other = order_from_quote(world.engine, quote.id or 0, 1)
    assert world.push(SF).dead_lettered == 0
    before = _sf_lines(world, grown)
    others = _sf_lines(world, other)
    assert len(before) >= 2 and others
    # The org's admin puts these statuses in the Activated category: both orders are activated.
    admin.set_activated_order_statuses({"Activated", "Pending Approval", "Submitted", "Accepted"})
    new_key = _grow(world, grown)
    assert advance(world.engine, other, "accept") == "accepted"

    report = world.push(SF)
    orders = report.as_dict()["topics"]["crm:acme-sf:order"]
    assert (orders["batches"], orders["delivered"]) == (1, 1), report.as_dict()
    # Salesforce keeps the grown order's products as they were; the other order (its products
    # sent again unchanged) takes its new status in the same push.
    assert _sf_lines(world, grown) == before
    assert new_key not in _sf_lines(world, grown)
    assert _sf_order(world, other)["Status"] == "Accepted"
    assert _sf_order(world, other)["StatusCode"] == "Activated"
    assert _sf_lines(world, other) == others
    with new_session(world.engine) as session:
        dead = list_dead_letters(session=session, actor=ADMIN, topic_prefix="crm:")
    letters = [d for d in dead if d.aggregate_id == grown]
    assert letters and len(dead) == len(letters) == report.dead_lettered
    for letter in letters:
        text = letter.last_error or ""
        assert text == (
            f"order {grown} is activated in Salesforce (status 'Pending Approval'), which locks "
            "an activated order's products (none added, removed, or changed in quantity or "
            f"price): line(s) {grown}-1, {new_key} added or changed in channelsync were refused; "
            "move this order to a Draft status in Salesforce (the push then writes its products "
            "and sets status 'Pending Approval' again), or take status 'Pending Approval' out "
            "of the Activated category (Setup, the Order Status picklist), then retry this dead "
            "letter"
        )

    ids = [d.id or 0 for d in letters]
    # A retry alone changes nothing: the order is still activated in Salesforce. (Moving it to
    # Draft there by hand would let the retry through: tests/e2e/test_push_draft_first.py.)
    with new_session(world.engine) as session:
        requeue_dead_letters(session=session, actor=ADMIN, ids=ids)
    assert world.push(SF).dead_lettered == len(letters)
    assert _sf_lines(world, grown) == before
    assert _sf_order(world, grown)["StatusCode"] == "Activated"
    # The fix the letter names: the status out of the Activated category, the letters re-queued;
    # the push then writes the new line and the changed quantity.
    admin.set_activated_order_statuses({"Activated", "Submitted", "Accepted"})
    with new_session(world.engine) as session:
        requeue_dead_letters(session=session, actor=ADMIN, ids=ids)
    again = world.push(SF)
    assert again.dead_lettered == 0 and again.delivered == len(letters), again.as_dict()
    after = _sf_lines(world, grown)
    core = order_lines(world.engine, grown)
    assert sorted(after) == [f"{grown}-{ln.line_no}" for ln in core]
    assert {k: Decimal(str(q)) for k, (q, _) in after.items()} == {
        f"{grown}-{ln.line_no}": Decimal(ln.quantity) for ln in core
    }
