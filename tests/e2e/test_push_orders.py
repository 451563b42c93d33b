"""Orders pushed to both CRMs under the partner's account / company, every status with its history."""

from __future__ import annotations

from sqlmodel import select

from order_core.db import new_session
from order_core.orders.models import Order, OrderLine
from order_core.partners.models import Partner
from order_core.pushback.snapshots import crm_ids
from order_core.quotes.models import Quote
from tests.e2e.push_world import HS, SF, PushWorld, advance, order_from_quote

STEPS = (("accept", "accepted"), ("fulfil", "invoiced"), ("pay", "paid"))
SF_STATUS = {
    "submitted": "Submitted",
    "accepted": "Accepted",
    "invoiced": "Invoiced",
    "paid": "Paid",
}


def _quoted_order(world: PushWorld, source: str) -> tuple[str, Quote]:
    deal = world.quotable_deal(source)
    world.flag(source, deal)
    world.pull(source)
    result = {r.deal_id: r for r in world.quote_requests(source)}[deal.id or 0]
    assert result.outcome == "quoted", result.reason
    with new_session(world.engine) as session:
        quote = session.exec(select(Quote).where(Quote.deal_id == deal.id)).one()
    return order_from_quote(world.engine, quote.id or 0), quote


def _sf_order(world: PushWorld, number: str) -> dict[str, object]:
    admin = world.sandboxes.sf.app.admin_api
    [rid] = [
        rid
        for rid, rec in admin.store.records["Order"].items()
        if rec.get("Channelsync_Id__c") == number and not rec["IsDeleted"]
    ]
    return admin.record("Order", rid)


def test_an_order_reaches_salesforce_with_each_status(world: PushWorld) -> None:
    number, quote = _quoted_order(world, SF)
    report = world.push(SF)
    assert report.status == "ok" and report.dead_lettered == 0, report.as_dict()
    with new_session(world.engine) as session:
        order = session.exec(select(Order).where(Order.number == number)).one()
        lines = session.exec(select(OrderLine).where(OrderLine.order_id == order.id)).all()
        account = crm_ids(session, SF, "partner", [order.partner_id])[order.partner_id]
    record = _sf_order(world, number)
    assert record["AccountId"] == account
    assert record["Status"] == SF_STATUS[order.status]
    admin = world.sandboxes.sf.app.admin_api
    items = admin.external_id_counts("OrderItem")
    assert sorted(k for k in items if k.startswith(f"{number}-")) == sorted(
        f"{number}-{ln.line_no}" for ln in lines
    )
    for step, status in STEPS:
        assert advance(world.engine, number, step) == status
        assert world.push(SF).dead_lettered == 0
        record = _sf_order(world, number)
        assert record["Status"] == SF_STATUS[status]
    history = str(record["Description"])
    for status in ("submitted", "accepted", "fulfilled", "invoiced", "paid"):
        assert f"-> {status}" in history
    assert admin.external_id_counts("Order")[number] == 1
    assert set(admin.external_id_counts("OrderItem").values()) == {1}
    assert quote.number


def test_an_order_reaches_hubspot_on_the_partner_company_and_deal(world: PushWorld) -> None:
    number, quote = _quoted_order(world, HS)
    hs = world.sandboxes.hs.app
    seen = []
    for step, status in (("place", "submitted"), *STEPS):
        if step != "place":
            assert advance(world.engine, number, step) == status
        report = world.push(HS)
        assert report.status == "ok" and report.dead_lettered == 0, report.as_dict()
        [rec] = [r for r in hs.records("orders") if r.props.get("channelsync_id") == number]
        seen.append(rec.props["channelsync_status"])
    assert seen == ["submitted", "accepted", "invoiced", "paid"]
    assert "-> fulfilled" in rec.props["channelsync_status_history"]
    with new_session(world.engine) as session:
        order = session.exec(select(Order).where(Order.number == number)).one()
        company = crm_ids(session, HS, "partner", [order.partner_id])[order.partner_id]
        assert session.get(Partner, order.partner_id) is not None
        n_lines = len(session.exec(select(OrderLine).where(OrderLine.order_id == order.id)).all())
    assert hs.associated_ids("orders", rec.id, "companies") == [int(company)]
    with new_session(world.engine) as session:
        deal_crm = session.get(Quote, quote.id).deal_id  # type: ignore[union-attr]
    assert deal_crm is not None
    assert len(hs.associated_ids("orders", rec.id, "deals")) == 1
    assert len(hs.associated_ids("orders", rec.id, "line_items")) == n_lines
    assert hs.external_id_counts("orders")[number] == 1
    assert set(hs.external_id_counts("line_items").values()) == {1}
