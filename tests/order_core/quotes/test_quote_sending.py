"""Sending a quote (document + acceptance link), accepting it into an order, declining, expiry."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from order_core.actors import Actor
from order_core.db import new_session
from order_core.errors import ConflictError, DomainError, InvalidTransition, NotFoundError
from order_core.orders.models import Order, OrderApproval, OrderLine
from order_core.pricing_inputs.builder import QuoteLineInput
from order_core.quotes.acceptance import accept_quote, decline_quote
from order_core.quotes.approvals import submit_quote
from order_core.quotes.decisions import decide_approval, quote_approvals
from order_core.quotes.models import Quote
from order_core.quotes.sending import (
    SentQuote,
    expire_quotes,
    render_quote_document,
    send_quote,
    token_hash,
)
from order_core.quotes.services import create_quote
from order_core.sealing import unseal
from tests.order_core.quotes.conftest import World, later

LINK = Actor.system("acceptance-link")


def _sent(world: World) -> SentQuote:
    quote = create_quote(
        world.reseller,
        [QuoteLineInput("SW-100", 2), QuoteLineInput("HW-200", 1)],
        session=world.session,
        actor=world.sales,
        end_customer_id=world.customer,
    )
    submit_quote(quote.id or 0, session=world.session, actor=world.sales)
    return send_quote(quote.id or 0, session=world.session, actor=world.sales)


def test_send_stores_the_document_and_only_the_token_hash(world: World) -> None:
    sent = _sent(world)
    quote = sent.quote
    assert quote.state == "sent" and quote.sent_at is not None
    assert quote.acceptance_token_hash == token_hash(sent.token) != sent.token
    assert sent.token in sent.acceptance_url and sent.token not in (
        quote.acceptance_token_hash or ""
    )
    html = quote.document_html or ""
    assert "Q-000001" in html and "Widgets &amp; Co" in html
    # The distributor's name stands in for its logo: its URL is never fetched nor referenced.
    assert "Big &lt;Dist&gt; Europe" in html and "cdn.example.com" not in html
    # Resale prices (list, no price book): 2 x 1,000.00 + 250.50; buy prices never appear.
    assert "$2,250.50" in html and "$1,710.00" not in html and "214.18" not in html
    assert sent.token not in html and "accept?token" not in html  # the stored HTML has no link
    note = world.events("notify.email")[-1]
    assert note["kind"] == "quote_sent" and note["to"] == ["buyer@widgets.test"]
    assert sent.token not in str(note) and unseal(str(note["sealed_token"])) == sent.token
    assert world.events("crm.quote")[-1]["state"] == "sent"


def test_accept_with_the_token_records_who_and_converts_to_an_order(world: World) -> None:
    sent = _sent(world)
    quote = accept_quote(
        sent.quote.number,
        1,
        sent.token,
        "Wanda Widget",
        session=world.session,
        actor=LINK,
        payment_method="purchase_order",
        po_number="PO-77",
    )
    assert quote.state == "accepted" and quote.accepted_by == "Wanda Widget"
    assert quote.accepted_at is not None
    order = world.session.get(Order, quote.order_id)
    assert order is not None and order.quote_id == quote.id and order.partner_id == world.reseller
    assert order.net_total == quote.net_total
    assert order.po_number == "PO-77"
    lines = world.session.exec(
        select(OrderLine).where(OrderLine.order_id == order.id).order_by(col(OrderLine.line_no))
    ).all()
    assert [(ln.sku, ln.quantity, ln.unit_net, ln.line_total) for ln in lines] == [
        ("SW-100", 2, Decimal("855.00"), Decimal("1710.00")),
        ("HW-200", 1, Decimal("214.18"), Decimal("214.18")),
    ]
    assert "distributor_terms" in lines[0].trace
    assert world.events("prm.webhook")[-1]["event"] == "quote.accepted"
    with pytest.raises(ConflictError, match=r"already accepted on .* by Wanda Widget"):
        accept_quote(quote.number, 1, sent.token, "Again", session=world.session, actor=LINK)


def test_a_wrong_token_or_version_is_refused(world: World) -> None:
    sent = _sent(world)
    with pytest.raises(NotFoundError, match="acceptance link is not valid"):
        accept_quote(
            sent.quote.number,
            1,
            sent.token[:-1] + "x",
            "Mallory",
            session=world.session,
            actor=LINK,
        )
    with pytest.raises(NotFoundError):
        accept_quote(sent.quote.number, 2, sent.token, "Mallory", session=world.session, actor=LINK)
    world.session.refresh(sent.quote)
    assert sent.quote.state == "sent" and sent.quote.accepted_by is None


def test_another_partner_cannot_accept_or_decline(world: World) -> None:
    sent = _sent(world)
    eve = world.actor(world.other_buyer)
    with pytest.raises(NotFoundError):
        accept_quote(sent.quote.number, 1, sent.token, "Eve", session=world.session, actor=eve)
    with pytest.raises(NotFoundError):
        decline_quote(sent.quote.number, 1, sent.token, "no", session=world.session, actor=eve)
    with pytest.raises(NotFoundError):
        send_quote(sent.quote.id or 0, session=world.session, actor=eve)
    with pytest.raises(NotFoundError):
        render_quote_document(sent.quote.id or 0, session=world.session, actor=eve)


def test_decline_rejects_the_quote(world: World) -> None:
    sent = _sent(world)
    quote = decline_quote(
        sent.quote.number, 1, sent.token, "budget cut", session=world.session, actor=LINK
    )
    assert quote.state == "rejected"
    assert world.events("notify.email")[-1]["reason"] == "budget cut"
    with pytest.raises(ConflictError, match="was declined"):
        accept_quote(quote.number, 1, sent.token, "late", session=world.session, actor=LINK)


def test_expired_quote_cannot_be_accepted(world: World) -> None:
    sent = _sent(world)
    assert expire_quotes(session=world.session, actor=Actor.system(), today=later(10)) == 0
    assert expire_quotes(session=world.session, actor=Actor.system(), today=later(31)) == 1
    world.session.refresh(sent.quote)
    assert sent.quote.state == "expired"
    with pytest.raises(ConflictError, match="expired on"):
        accept_quote(sent.quote.number, 1, sent.token, "late", session=world.session, actor=LINK)


def test_draft_cannot_be_sent_and_sent_cannot_be_sent_twice(world: World) -> None:
    quote = create_quote(
        world.reseller, [QuoteLineInput("SW-100", 1)], session=world.session, actor=world.sales
    )
    with pytest.raises(InvalidTransition, match="draft"):
        send_quote(quote.id or 0, session=world.session, actor=world.sales)
    submit_quote(quote.id or 0, session=world.session, actor=world.sales)
    send_quote(quote.id or 0, session=world.session, actor=world.sales)
    with pytest.raises(InvalidTransition):
        send_quote(quote.id or 0, session=world.session, actor=world.sales)


def test_render_a_draft_without_link(world: World) -> None:
    quote = create_quote(
        world.reseller, [QuoteLineInput("SW-100", 1)], session=world.session, actor=world.sales
    )
    html = render_quote_document(quote.id or 0, session=world.session, actor=world.sales)
    assert (
        "Q-000001" in html and "Accept this quote" not in html and "Big &lt;Dist&gt; Europe" in html
    )


def test_quote_past_valid_until_cannot_be_sent(world: World) -> None:
    quote = create_quote(
        world.reseller, [QuoteLineInput("SW-100", 1)], session=world.session, actor=world.sales
    )
    submit_quote(quote.id or 0, session=world.session, actor=world.sales)
    stored = world.session.get(Quote, quote.id)
    assert stored is not None
    stored.valid_until = later(-1)
    world.session.add(stored)
    world.session.commit()
    with pytest.raises(DomainError, match="expired on"):
        send_quote(quote.id or 0, session=world.session, actor=world.sales)


def test_approvals_won_on_the_quote_carry_over_to_its_order(world: World) -> None:
    quote = create_quote(
        world.reseller,
        [QuoteLineInput("SW-100", 1, requested_discount_percent=Decimal("25"))],
        session=world.session,
        actor=world.sales,
        end_customer_id=world.customer,
    )
    submit_quote(quote.id or 0, session=world.session, actor=world.sales)
    request = quote_approvals(quote.id or 0, session=world.session, actor=world.admin)[0]
    decide_approval(request.id or 0, True, session=world.session, actor=world.desk)
    sent = send_quote(quote.id or 0, session=world.session, actor=world.sales)
    accepted = accept_quote(
        quote.number,
        1,
        sent.token,
        "Wanda",
        session=world.session,
        actor=LINK,
        payment_method="purchase_order",
        po_number="PO-1",
    )
    order = world.session.get(Order, accepted.order_id)
    assert order is not None and order.status != "pending_approval"
    steps = world.session.exec(
        select(OrderApproval).where(OrderApproval.order_id == order.id)
    ).all()
    assert [(a.role, a.status, a.decided_by) for a in steps] == [
        ("pricing_desk", "approved", "quote approval")
    ]


def test_two_simultaneous_acceptances_make_one_order(world: World) -> None:
    sent = _sent(world)
    bind = world.session.get_bind()
    assert isinstance(bind, Engine)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept(name: str) -> None:
        with new_session(bind) as own:
            barrier.wait()
            try:
                accept_quote(
                    sent.quote.number,
                    1,
                    sent.token,
                    name,
                    session=own,
                    actor=LINK,
                    payment_method="purchase_order",
                    po_number="PO-9",
                )
                outcomes.append("accepted")
            except ConflictError:
                outcomes.append("refused")

    threads = [threading.Thread(target=accept, args=(n,)) for n in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["accepted", "refused"]
    orders = world.session.exec(select(Order).where(Order.quote_id == sent.quote.id)).all()
    assert len(orders) == 1


def test_the_link_says_plainly_what_became_of_the_quote(world: World) -> None:
    from order_core.quotes.customer_link import LinkState, customer_quote
    from order_core.quotes.services import revise_quote

    declined = _sent(world)
    decline_quote(declined.quote.number, 1, declined.token, "no", session=world.session, actor=LINK)
    view = customer_quote(
        declined.quote.number, 1, declined.token, session=world.session, actor=LINK
    )
    assert view.state is LinkState.DECLINED and "Ask Acme Resale for a new quote" in view.message

    replaced = _sent(world)
    revise_quote(replaced.quote.id or 0, session=world.session, actor=world.sales)
    view = customer_quote(
        replaced.quote.number, 1, replaced.token, session=world.session, actor=LINK
    )
    assert view.state is LinkState.SUPERSEDED and view.newer_version == 2

    expiring = _sent(world)
    expire_quotes(session=world.session, actor=Actor.system(), today=later(31))
    view = customer_quote(
        expiring.quote.number, 1, expiring.token, session=world.session, actor=LINK
    )
    assert view.state is LinkState.EXPIRED and f"expired on {later(30).isoformat()}" in view.message
    with pytest.raises(ConflictError, match="expired on"):
        decline_quote(
            expiring.quote.number, 1, expiring.token, "x", session=world.session, actor=LINK
        )
