"""Flag a deal in each CRM: one quote in the core and on the CRM deal, lines and totals equal."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import col, select

from order_core.db import new_session
from order_core.quotes.models import Quote, QuoteLine
from tests.e2e.push_world import HS, SF, PushWorld


def _quotes(world: PushWorld, deal_id: int) -> list[tuple[Quote, list[QuoteLine]]]:
    with new_session(world.engine) as session:
        quotes = session.exec(
            select(Quote).where(Quote.deal_id == deal_id).order_by(col(Quote.id))
        ).all()
        return [
            (q, list(session.exec(select(QuoteLine).where(QuoteLine.quote_id == q.id)).all()))
            for q in quotes
        ]


def test_a_flagged_salesforce_deal_gets_its_quote_on_the_opportunity(world: PushWorld) -> None:
    deal = world.quotable_deal(SF)
    world.flag(SF, deal)
    world.pull(SF)
    result = {r.deal_id: r for r in world.quote_requests(SF)}[deal.id or 0]
    assert result.outcome == "quoted", result.reason
    report = world.push(SF)
    assert report.status == "ok", report.as_dict()
    assert report.dead_lettered == 0
    [(quote, lines)] = _quotes(world, deal.id or 0)
    admin = world.sandboxes.sf.app.admin_api
    key = f"{quote.number}-v1"
    quote_counts = admin.external_id_counts("Quote")
    assert quote_counts[key] == 1 and set(quote_counts.values()) == {1}
    opp = admin.record("Opportunity", deal.crm_id)
    assert opp["Channelsync_Quote_Number__c"] == quote.number
    assert opp["Quote_Requested__c"] is False
    assert Decimal(str(opp["Channelsync_Quote_Total__c"])) == quote.resale_total
    line_counts = admin.external_id_counts("QuoteLineItem")
    mine = sorted(k for k in line_counts if k.startswith(f"{key}-"))
    assert mine == sorted(f"{key}-{ln.line_no}" for ln in lines)
    assert set(line_counts.values()) == {1}
    crm_total = sum(
        (
            Decimal(str(rec["TotalPrice"]))
            for rec in _records(world, "QuoteLineItem")
            if str(rec["Channelsync_Id__c"]).startswith(f"{key}-")
        ),
        Decimal(0),
    )
    assert crm_total == quote.resale_total
    # Nothing echoes: the pull sees the cleared flag, makes no new quote, and the next push
    # has nothing to send.
    world.pull(SF)
    assert world.quote_requests(SF) == []
    again = world.push(SF)
    assert again.delivered == 0 and again.fanned_out == 0
    assert len(_quotes(world, deal.id or 0)) == 1


def _records(world: PushWorld, sobject: str) -> list[dict[str, object]]:
    admin = world.sandboxes.sf.app.admin_api
    return [
        admin.record(sobject, rid)
        for rid, rec in admin.store.records[sobject].items()
        if not rec["IsDeleted"]
    ]


def test_a_flagged_hubspot_deal_gets_its_quote_with_line_items(world: PushWorld) -> None:
    deal = world.quotable_deal(HS)
    world.flag(HS, deal)
    world.pull(HS)
    result = {r.deal_id: r for r in world.quote_requests(HS)}[deal.id or 0]
    assert result.outcome == "quoted", result.reason
    report = world.push(HS)
    assert report.status == "ok", report.as_dict()
    [(quote, lines)] = _quotes(world, deal.id or 0)
    admin = world.sandboxes.hs.app
    key = f"{quote.number}-v1"
    quote_counts = admin.external_id_counts("quotes")
    assert quote_counts[key] == 1 and set(quote_counts.values()) == {1}
    record = admin.record("deals", deal.crm_id)
    assert record.props["channelsync_quote_number"] == quote.number
    assert record.props["quote_requested"] == "false"
    [quote_id] = [r.id for r in admin.records("quotes") if r.props.get("channelsync_id") == key]
    assert admin.associated_ids("quotes", quote_id, "deals") == [int(deal.crm_id)]
    line_ids = admin.associated_ids("quotes", quote_id, "line_items")
    assert len(line_ids) == len(lines)
    crm_total = sum(
        (
            Decimal(admin.record("line_items", i).props["price"])
            * Decimal(admin.record("line_items", i).props["quantity"])
            for i in line_ids
        ),
        Decimal(0),
    )
    assert crm_total == quote.resale_total
    world.pull(HS)
    assert world.quote_requests(HS) == []
    assert world.push(HS).delivered == 0


def _requote(world: PushWorld, source: str, deal_id: int) -> None:
    result = {r.deal_id: r for r in world.quote_requests(source)}[deal_id]
    assert result.outcome == "quoted", result.reason
    report = world.push(source)
    assert report.status == "ok" and report.dead_lettered == 0, report.as_dict()


def test_a_revised_quote_supersedes_the_first_in_both_crms(world: PushWorld) -> None:
    for source in (SF, HS):
        deal = world.quotable_deal(source)
        for _ in range(2):  # flag, quote, push; flag again: a revision
            world.flag(source, deal)
            world.pull(source)
            _requote(world, source, deal.id or 0)
        [(v1, _), (v2, _)] = _quotes(world, deal.id or 0)
        assert (v1.state, v2.version) == ("superseded", 2)
        old, new = f"{v2.number}-v1", f"{v2.number}-v2"
        if source == SF:
            admin = world.sandboxes.sf.app.admin_api
            by_key = {str(r["Channelsync_Id__c"]): r for r in _records(world, "Quote")}
            assert by_key[old]["Status"] == "Denied"
            assert by_key[new]["OpportunityId"] == deal.crm_id
            assert by_key[new]["Status"] != "Denied"
            assert admin.external_id_counts("Quote")[new] == 1
        else:
            hs = world.sandboxes.hs.app
            ids = {r.props["channelsync_id"]: r.id for r in hs.records("quotes")}
            assert hs.associated_ids("deals", deal.crm_id, "quotes") == [ids[new]]
            assert hs.associated_ids("quotes", ids[old], "deals") == []
            assert hs.external_id_counts("quotes")[new] == 1
