"""A deal flagged again after the core handled its request keeps its flag through the push, and
the next pull makes the revised quote (both CRMs)."""

from __future__ import annotations

from sqlmodel import col, select

from order_core.db import new_session
from order_core.deals.models import Deal
from order_core.quotes.models import Quote
from tests.e2e.push_world import HS, SF, PushWorld


def _crm_flag(world: PushWorld, source: str, crm_id: str) -> bool:
    if source == SF:
        return (
            world.sandboxes.sf.app.admin_api.record("Opportunity", crm_id)["Quote_Requested__c"]
            is True
        )
    return world.sandboxes.hs.app.record("deals", crm_id).props["quote_requested"] == "true"


def _crm_quote_number(world: PushWorld, source: str, crm_id: str) -> object:
    if source == SF:
        return world.sandboxes.sf.app.admin_api.record("Opportunity", crm_id)[
            "Channelsync_Quote_Number__c"
        ]
    return world.sandboxes.hs.app.record("deals", crm_id).props.get("channelsync_quote_number")


def _versions(world: PushWorld, deal_id: int) -> list[tuple[int, str]]:
    with new_session(world.engine) as session:
        quotes = session.exec(
            select(Quote).where(Quote.deal_id == deal_id).order_by(col(Quote.version))
        ).all()
        return [(q.version, q.state) for q in quotes]


def test_a_flag_ticked_again_before_the_push_is_not_cleared(world: PushWorld) -> None:
    for source in (SF, HS):
        deal = world.quotable_deal(source)
        assert deal.id is not None
        world.flag(source, deal)
        world.pull(source)
        [first] = [r for r in world.quote_requests(source) if r.deal_id == deal.id]
        assert (first.outcome, first.quote_version) == ("quoted", 1), first.reason
        # Sales ops ask again (a new request) after the core handled the first one: the box is
        # still ticked (the push has not cleared it yet), so they untick it and tick it again.
        world.flag(source, deal, on=False)
        world.flag(source, deal)
        report = world.push(source)
        assert report.status == "ok" and report.dead_lettered == 0, report.as_dict()
        assert _crm_flag(world, source, deal.crm_id) is True
        assert _crm_quote_number(world, source, deal.crm_id) == first.quote_number
        # The next pull sees the new request: a revision supersedes the first quote.
        world.pull(source)
        [second] = [r for r in world.quote_requests(source) if r.deal_id == deal.id]
        assert (second.outcome, second.quote_version) == ("quoted", 2), second.reason
        assert _versions(world, deal.id) == [(1, "superseded"), (2, second.quote_state)]
        report = world.push(source)
        assert report.status == "ok" and report.dead_lettered == 0, report.as_dict()
        assert _crm_flag(world, source, deal.crm_id) is False
        with new_session(world.engine) as session:
            core = session.get(Deal, deal.id)
            assert core is not None and core.quote_requested is False
        # Nothing echoes: no third request.
        world.pull(source)
        assert [r for r in world.quote_requests(source) if r.deal_id == deal.id] == []
        assert len(_versions(world, deal.id)) == 2


def test_a_flag_not_ticked_again_is_cleared_by_the_push(world: PushWorld) -> None:
    for source in (SF, HS):
        deal = world.quotable_deal(source)
        world.flag(source, deal)
        world.pull(source)
        [result] = [r for r in world.quote_requests(source) if r.deal_id == deal.id]
        assert result.outcome == "quoted", result.reason
        # A pull between handling and push changes nothing: the flag still goes off.
        world.pull(source)
        report = world.push(source)
        assert report.status == "ok" and report.dead_lettered == 0, report.as_dict()
        assert _crm_flag(world, source, deal.crm_id) is False
        assert _crm_quote_number(world, source, deal.crm_id) == result.quote_number
        world.pull(source)
        assert [r for r in world.quote_requests(source) if r.deal_id == deal.id] == []


def test_another_change_after_the_request_is_a_new_request_only_in_salesforce(
    world: PushWorld,
) -> None:
    """HubSpot keeps each property's change time, so an edit of another field is told from a new
    tick; Salesforce keeps only the record's stamp, so any change of a flagged deal after the core
    read it counts as a new request there (a revised quote from the deal as it is now)."""
    for source in (SF, HS):
        deal = world.quotable_deal(source)
        world.flag(source, deal)
        world.pull(source)
        [first] = [r for r in world.quote_requests(source) if r.deal_id == deal.id]
        assert first.outcome == "quoted", first.reason
        if source == SF:
            world.sandboxes.sf.app.admin_api.change_record(
                "Opportunity", deal.crm_id, {"Description": "Call the buyer on Monday."}
            )
        else:
            world.sandboxes.hs.app.change_record(
                "deals", deal.crm_id, {"description": "Call the buyer on Monday."}
            )
        report = world.push(source)
        assert report.status == "ok" and report.dead_lettered == 0, report.as_dict()
        assert _crm_flag(world, source, deal.crm_id) is (source == SF)
        world.pull(source)
        again = [r.quote_version for r in world.quote_requests(source) if r.deal_id == deal.id]
        assert again == ([2] if source == SF else [])
