"""Lines removed from a revised order or an edited quote leave the CRM too (counted by external id)."""

from __future__ import annotations

from sqlmodel import col, select

from order_core.db import new_session
from order_core.orders.models import Order
from order_core.orders.pricing import CartItem
from order_core.orders.revise import revise_order
from order_core.outbox.dead_letters import list_dead_letters
from order_core.partners.buyers import buyer_actor
from order_core.pricing_inputs.builder import QuoteLineInput
from order_core.quotes.models import QuoteLine
from order_core.quotes.services import update_quote
from tests.e2e.push_world import (
    ADMIN,
    DESK,
    HS,
    SALES_OPS,
    SF,
    PushWorld,
    order_from_quote,
    order_lines,
    quote_with_lines,
)


def _crm_lines(world: PushWorld, source: str, prefix: str, obj: str) -> dict[str, int]:
    """Live CRM line records under ``prefix`` by external id (each id's count)."""
    if source == SF:
        counts = world.sandboxes.sf.app.admin_api.external_id_counts(obj)
    else:
        counts = world.sandboxes.hs.app.external_id_counts("line_items")
    return {k: n for k, n in counts.items() if k.startswith(f"{prefix}-")}


def _drop_last_line(world: PushWorld, number: str) -> list[str]:
    """Revise the order (its buyer) to all but its last line; the keys of the lines kept."""
    lines = order_lines(world.engine, number)
    assert len(lines) >= 2
    with new_session(world.engine) as session:
        order = session.exec(select(Order).where(Order.number == number)).one()
        buyer = buyer_actor(session, order.buyer_id)
        revised = revise_order(
            number,
            session=session,
            actor=buyer,
            lines=[CartItem(ln.sku, int(ln.quantity)) for ln in lines[:-1]],
            policy=DESK,
        )
        assert revised.status == "pending_approval"
    return [f"{number}-{ln.line_no}" for ln in order_lines(world.engine, number)]


def test_a_revised_order_loses_its_removed_line_in_both_crms(world: PushWorld) -> None:
    for source, obj in ((SF, "OrderItem"), (HS, "line_items")):
        quote = quote_with_lines(world, source)
        number = order_from_quote(world.engine, quote.id or 0, policy=DESK)
        first = world.push(source)
        assert first.status == "ok" and first.dead_lettered == 0, first.as_dict()
        before = _crm_lines(world, source, number, obj)
        assert sorted(before) == [
            f"{number}-{ln.line_no}" for ln in order_lines(world.engine, number)
        ]
        kept = _drop_last_line(world, number)
        report = world.push(source)
        assert report.status == "ok" and report.dead_lettered == 0, report.as_dict()
        assert _crm_lines(world, source, number, obj) == dict.fromkeys(kept, 1)
        assert len(kept) == len(before) - 1
        # Pushing again (a retry, or the next run) deletes nothing more and keeps every line.
        with new_session(world.engine) as session:
            order = session.exec(select(Order).where(Order.number == number)).one()
            assert order.status == "pending_approval"
        again = world.push(source)
        assert again.delivered == 0
        assert _crm_lines(world, source, number, obj) == dict.fromkeys(kept, 1)
        if source == HS:
            hs = world.sandboxes.hs.app
            [rec] = [r for r in hs.records("orders") if r.props.get("channelsync_id") == number]
            assert len(hs.associated_ids("orders", rec.id, "line_items")) == len(kept)


def test_an_edited_quote_loses_its_removed_line_in_both_crms(world: PushWorld) -> None:
    for source, obj in ((SF, "QuoteLineItem"), (HS, "line_items")):
        quote = quote_with_lines(world, source)
        key = f"{quote.number}-v{quote.version}"
        with new_session(world.engine) as session:
            lines = list(
                session.exec(
                    select(QuoteLine)
                    .where(QuoteLine.quote_id == quote.id)
                    .order_by(col(QuoteLine.line_no))
                )
            )
        assert sorted(_crm_lines(world, source, key, obj)) == sorted(
            f"{key}-{ln.line_no}" for ln in lines
        )
        with new_session(world.engine) as session:
            update_quote(
                quote.id or 0,
                [QuoteLineInput(ln.sku, int(ln.quantity)) for ln in lines[:-1]],
                session=session,
                actor=SALES_OPS,
            )
        report = world.push(source)
        assert report.status == "ok" and report.dead_lettered == 0, report.as_dict()
        with new_session(world.engine) as session:
            now = session.exec(select(QuoteLine).where(QuoteLine.quote_id == quote.id)).all()
        assert len(now) == len(lines) - 1
        assert _crm_lines(world, source, key, obj) == {f"{key}-{ln.line_no}": 1 for ln in now}


def test_an_activated_salesforce_order_keeps_its_products_and_says_so(world: PushWorld) -> None:
    admin = world.sandboxes.sf.app.admin_api
    quote = quote_with_lines(world, SF)
    number = order_from_quote(world.engine, quote.id or 0, policy=DESK)
    assert world.push(SF).dead_lettered == 0
    # Then the org's admin put "Pending Approval" in the Activated category (an activated
    # order takes no new products: its products went on while it was a draft).
    admin.set_activated_order_statuses({"Activated", "Pending Approval"})
    before = _crm_lines(world, SF, number, "OrderItem")
    _drop_last_line(world, number)
    report = world.push(SF)
    assert report.dead_lettered >= 1
    assert _crm_lines(world, SF, number, "OrderItem") == before
    with new_session(world.engine) as session:
        dead = list_dead_letters(session=session, actor=ADMIN, topic_prefix="crm:")
    letters = [d for d in dead if d.aggregate_id == number]
    assert len(letters) == report.dead_lettered  # the revision's events (to draft, to pending)
    for letter in letters:
        # One line: the order, its status, what Salesforce kept (and refused: the revision
        # re-priced a kept line), the fix.
        text = letter.last_error or ""
        assert text.startswith(
            f"order {number} is activated in Salesforce (status 'Pending Approval'), which locks "
            "an activated order's products (none added, removed, or changed in quantity or "
            "price): "
        ), text
        assert "1 line(s) removed in channelsync are still on it; move this order to a " in text
        assert text.endswith("(Setup, the Order Status picklist), then retry this dead letter")
