"""Approval bypass attempts are refused: edit after approval, tampering, re-versioning, copying."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import update
from sqlmodel import col

from order_core.errors import ConflictError, InvalidTransition
from order_core.pricing_inputs.builder import QuoteLineInput
from order_core.quotes.approvals import submit_quote
from order_core.quotes.decisions import decide_approval, quote_approvals
from order_core.quotes.models import Quote
from order_core.quotes.sending import send_quote
from order_core.quotes.services import copy_quote, create_quote, revise_quote, update_quote
from tests.order_core.quotes.conftest import World, later

DEEP = [QuoteLineInput("SW-100", 1, requested_discount_percent=Decimal("25"))]


def _approved(world: World) -> Quote:
    quote = create_quote(
        world.reseller,
        DEEP,
        session=world.session,
        actor=world.sales,
        end_customer_id=world.customer,
    )
    submit_quote(quote.id or 0, session=world.session, actor=world.sales)
    request = quote_approvals(quote.id or 0, session=world.session, actor=world.admin)[0]
    decide_approval(request.id or 0, True, session=world.session, actor=world.desk)
    world.session.refresh(quote)
    assert quote.state == "approved"
    return quote


def test_edit_after_approval_sends_it_back_for_approval(world: World) -> None:
    quote = _approved(world)
    old = quote_approvals(quote.id or 0, session=world.session, actor=world.admin)[0]
    deeper = [QuoteLineInput("SW-100", 3, requested_discount_percent=Decimal("27"))]
    update_quote(quote.id or 0, deeper, session=world.session, actor=world.sales)
    world.session.refresh(quote)
    world.session.refresh(old)
    assert quote.state == "pending_approval" and quote.approved_content_hash is None
    assert old.decision == "approved" and old.content_hash != quote.content_hash
    fresh = [
        r
        for r in quote_approvals(quote.id or 0, session=world.session, actor=world.admin)
        if r.decision == "pending"
    ]
    assert len(fresh) == 1 and fresh[0].content_hash == quote.content_hash
    with pytest.raises(InvalidTransition):
        send_quote(quote.id or 0, session=world.session, actor=world.sales)


def test_a_request_decided_after_an_edit_is_refused(world: World) -> None:
    quote = create_quote(world.reseller, DEEP, session=world.session, actor=world.sales)
    submit_quote(quote.id or 0, session=world.session, actor=world.sales)
    stale = quote_approvals(quote.id or 0, session=world.session, actor=world.admin)[0]
    update_quote(
        quote.id or 0,
        [QuoteLineInput("SW-100", 2, requested_discount_percent=Decimal("25"))],
        session=world.session,
        actor=world.sales,
    )
    with pytest.raises(ConflictError, match="already superseded"):
        decide_approval(stale.id or 0, True, session=world.session, actor=world.desk)


def test_editing_content_behind_the_service_is_caught_at_send(world: World) -> None:
    quote = _approved(world)
    tampered = quote.content.replace('"unit_net":"641.25"', '"unit_net":"1.00"')
    assert tampered != quote.content
    world.session.execute(update(Quote).where(col(Quote.id) == quote.id).values(content=tampered))
    world.session.commit()
    world.session.refresh(quote)
    with pytest.raises(ConflictError, match="no approval for its current content"):
        send_quote(quote.id or 0, session=world.session, actor=world.sales)


def test_forcing_the_state_to_approved_is_caught_at_send(world: World) -> None:
    quote = create_quote(world.reseller, DEEP, session=world.session, actor=world.sales)
    world.session.execute(update(Quote).where(col(Quote.id) == quote.id).values(state="approved"))
    world.session.commit()
    world.session.refresh(quote)
    with pytest.raises(ConflictError, match="no approval"):
        send_quote(quote.id or 0, session=world.session, actor=world.sales)


def test_rehashing_tampered_content_still_needs_approval(world: World) -> None:
    quote = _approved(world)
    from order_core.quotes.content import hash_text

    tampered = quote.content.replace('"unit_net":"641.25"', '"unit_net":"1.00"')
    world.session.execute(
        update(Quote)
        .where(col(Quote.id) == quote.id)
        .values(content=tampered, content_hash=hash_text(tampered))
    )
    world.session.commit()
    world.session.refresh(quote)
    with pytest.raises(ConflictError, match="no approval"):
        send_quote(quote.id or 0, session=world.session, actor=world.sales)


def test_a_new_version_carries_no_approval(world: World) -> None:
    quote = _approved(world)
    v2 = revise_quote(quote.id or 0, session=world.session, actor=world.sales)
    assert v2.state == "draft" and v2.content_hash == quote.content_hash
    with pytest.raises(InvalidTransition):
        send_quote(v2.id or 0, session=world.session, actor=world.sales)
    with pytest.raises(InvalidTransition):
        send_quote(quote.id or 0, session=world.session, actor=world.sales)  # v1 is superseded
    submit_quote(v2.id or 0, session=world.session, actor=world.sales)
    assert v2.state == "pending_approval"
    requests = quote_approvals(v2.id or 0, session=world.session, actor=world.admin)
    assert [(r.quote_version, r.decision) for r in requests] == [(2, "pending")]


def test_a_copy_carries_no_approval(world: World) -> None:
    quote = _approved(world)
    copy = copy_quote(quote.id or 0, session=world.session, actor=world.sales)
    assert copy.state == "draft" and copy.content_hash != ""
    assert quote_approvals(copy.id or 0, session=world.session, actor=world.admin) == []
    with pytest.raises(InvalidTransition):
        send_quote(copy.id or 0, session=world.session, actor=world.sales)
    submit_quote(copy.id or 0, session=world.session, actor=world.sales)
    assert copy.state == "pending_approval"


def test_an_approval_of_one_quote_cannot_be_used_on_another(world: World) -> None:
    quote = _approved(world)
    other = create_quote(world.reseller, DEEP, session=world.session, actor=world.sales)
    submit_quote(other.id or 0, session=world.session, actor=world.sales)
    approved = quote_approvals(quote.id or 0, session=world.session, actor=world.admin)[0]
    with pytest.raises(ConflictError, match="already approved"):
        decide_approval(approved.id or 0, True, session=world.session, actor=world.desk)
    world.session.refresh(other)
    assert other.state == "pending_approval"


def test_extending_validity_after_approval_needs_approval_again(world: World) -> None:
    quote = _approved(world)
    lines = [QuoteLineInput("SW-100", 1, requested_discount_percent=Decimal("25"))]
    update_quote(
        quote.id or 0, lines, valid_until=later(90), session=world.session, actor=world.sales
    )
    world.session.refresh(quote)
    assert quote.state == "pending_approval" and quote.valid_until == later(90)


def test_revising_a_sent_quote_kills_its_acceptance_link(world: World) -> None:
    from order_core.actors import Actor
    from order_core.errors import ConflictError
    from order_core.quotes.acceptance import accept_quote

    quote = _approved(world)
    sent = send_quote(quote.id or 0, session=world.session, actor=world.sales)
    revise_quote(quote.id or 0, session=world.session, actor=world.sales)
    # The link still opens version 1, to say it was replaced; it accepts nothing.
    with pytest.raises(ConflictError, match="replaced by a newer version"):
        accept_quote(
            quote.number, 1, sent.token, "Wanda", session=world.session, actor=Actor.system()
        )
    world.session.refresh(quote)
    assert quote.state == "superseded" and quote.order_id is None
