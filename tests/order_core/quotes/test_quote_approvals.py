"""Quote approvals: routing by the policy, step order, approvers, delegation, expiry, rejection."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from order_core.actors import Actor
from order_core.errors import AccessDenied, ConflictError, DomainError, NotFoundError
from order_core.partners.models import Buyer
from order_core.pricing_inputs.builder import QuoteLineInput
from order_core.quotes.approvals import submit_quote
from order_core.quotes.decisions import (
    decide_approval,
    delegate_approval,
    expire_approval_requests,
    quote_approvals,
)
from order_core.quotes.models import Quote
from order_core.quotes.services import create_quote
from order_core.types import utcnow
from tests.order_core.quotes.conftest import World, later


def _quote(world: World, *lines: QuoteLineInput, actor: Actor | None = None) -> Quote:
    return create_quote(
        world.reseller,
        list(lines) or [QuoteLineInput("SW-100", 1)],
        session=world.session,
        actor=actor or world.sales,
        end_customer_id=world.customer,
    )


def _steps(world: World, quote: Quote) -> list[tuple[int, str, str, str, str]]:
    return [
        (r.step_order, r.side, r.role, r.approver, r.decision)
        for r in quote_approvals(quote.id or 0, session=world.session, actor=world.admin)
    ]


def test_quote_within_policy_is_approved_on_submit(world: World) -> None:
    quote = submit_quote(_quote(world).id or 0, session=world.session, actor=world.sales)
    assert quote.state == "approved" and quote.approved_content_hash == quote.content_hash
    assert _steps(world, quote) == []
    assert world.events("crm.quote")[-1]["state"] == "approved"


def test_discount_over_20_needs_the_pricing_desk(world: World) -> None:
    quote = _quote(world, QuoteLineInput("SW-100", 1, requested_discount_percent=Decimal("25")))
    assert quote.max_line_extra_discount_pct == Decimal("25.00")
    submit_quote(quote.id or 0, session=world.session, actor=world.sales)
    assert quote.state == "pending_approval"
    assert _steps(world, quote) == [(1, "vendor", "pricing_desk", "role:pricing_desk", "pending")]
    request = quote_approvals(quote.id or 0, session=world.session, actor=world.admin)[0]
    assert request.content_hash == quote.content_hash and request.quote_version == 1
    assert request.expires_at is not None
    note = world.events("notify.email")[-1]
    assert note["kind"] == "approval_requested" and note["to"] == ["role:pricing_desk"]
    with pytest.raises(AccessDenied, match="pricing_desk"):
        decide_approval(request.id or 0, True, session=world.session, actor=world.vp)
    decide_approval(request.id or 0, True, session=world.session, actor=world.desk, comment="ok")
    world.session.refresh(quote)
    assert quote.state == "approved" and quote.approved_content_hash == quote.content_hash
    assert _steps(world, quote)[0][4] == "approved"
    assert world.events("notify.email")[-1]["kind"] == "quote_approved"


def test_nobody_approves_their_own_quote_and_the_system_never_approves(world: World) -> None:
    quote = _quote(
        world,
        QuoteLineInput("SW-100", 1, requested_discount_percent=Decimal("25")),
        actor=world.admin,
    )
    submit_quote(quote.id or 0, session=world.session, actor=world.admin)
    request = quote_approvals(quote.id or 0, session=world.session, actor=world.admin)[0]
    for actor in (world.admin, Actor.system()):
        with pytest.raises(AccessDenied):
            decide_approval(request.id or 0, True, session=world.session, actor=actor)
    world.session.refresh(quote)
    assert quote.state == "pending_approval"


def test_escalation_buyer_limit_desk_and_vp_in_order(world: World) -> None:
    bob = world.actor(world.buyer)
    quote = _quote(
        world, QuoteLineInput("SW-100", 12, requested_discount_percent=Decimal("45")), actor=bob
    )
    submit_quote(quote.id or 0, session=world.session, actor=bob)
    assert _steps(world, quote) == [
        (1, "partner", "approver", "ann@acme.test", "pending"),
        (2, "vendor", "pricing_desk", "role:pricing_desk", "pending"),
        (3, "vendor", "vp_sales", "role:vp_sales", "pending"),
    ]
    first, second, third = quote_approvals(quote.id or 0, session=world.session, actor=world.admin)
    assert second.activated_at is None
    with pytest.raises(ConflictError, match="waits for the earlier steps"):
        decide_approval(second.id or 0, True, session=world.session, actor=world.desk)
    with pytest.raises(AccessDenied):  # a vendor cannot take the partner's step
        decide_approval(first.id or 0, True, session=world.session, actor=world.admin)
    with pytest.raises(AccessDenied):  # the buyer cannot approve its own spending
        decide_approval(first.id or 0, True, session=world.session, actor=bob)
    decide_approval(first.id or 0, True, session=world.session, actor=world.actor(world.approver))
    decide_approval(second.id or 0, True, session=world.session, actor=world.desk)
    world.session.refresh(quote)
    assert quote.state == "pending_approval"
    decide_approval(third.id or 0, True, session=world.session, actor=world.vp)
    world.session.refresh(quote)
    assert quote.state == "approved"
    kinds = [e["kind"] for e in world.events("notify.email")]
    assert kinds.count("approval_requested") == 3
    assert world.events("prm.webhook")[-1]["event"] == "quote.approved"


def test_partner_step_goes_to_the_substitute_while_the_approver_is_away(world: World) -> None:
    ann = world.session.get(Buyer, world.approver)
    assert ann is not None
    ann.away_until = later(5)
    ann.substitute_buyer_id = world.substitute
    world.session.add(ann)
    world.session.commit()
    bob = world.actor(world.buyer)
    quote = _quote(world, QuoteLineInput("SW-100", 10), actor=bob)
    submit_quote(quote.id or 0, session=world.session, actor=bob)
    request = quote_approvals(quote.id or 0, session=world.session, actor=world.admin)[0]
    assert (request.approver, request.delegated_to) == ("ann@acme.test", "sam@acme.test")
    assert world.events("notify.email")[-1]["to"] == ["sam@acme.test"]
    decide_approval(
        request.id or 0, True, session=world.session, actor=world.actor(world.substitute)
    )
    world.session.refresh(quote)
    assert quote.state == "approved"


def test_vendor_approver_delegates_to_a_named_user(world: World) -> None:
    quote = _quote(world, QuoteLineInput("SW-100", 1, requested_discount_percent=Decimal("25")))
    submit_quote(quote.id or 0, session=world.session, actor=world.sales)
    request = quote_approvals(quote.id or 0, session=world.session, actor=world.admin)[0]
    finance = Actor.vendor("fred@vendor.test", "finance")
    with pytest.raises(AccessDenied):
        delegate_approval(request.id or 0, "fred@vendor.test", session=world.session, actor=finance)
    delegate_approval(request.id or 0, "fred@vendor.test", session=world.session, actor=world.desk)
    decide_approval(request.id or 0, True, session=world.session, actor=finance)
    world.session.refresh(quote)
    assert quote.state == "approved"


def test_rejection_returns_the_quote_to_draft_with_the_comment(world: World) -> None:
    quote = _quote(world, QuoteLineInput("SW-100", 1, requested_discount_percent=Decimal("45")))
    submit_quote(quote.id or 0, session=world.session, actor=world.sales)
    first = quote_approvals(quote.id or 0, session=world.session, actor=world.admin)[0]
    decide_approval(
        first.id or 0, False, session=world.session, actor=world.desk, comment="too deep"
    )
    world.session.refresh(quote)
    assert quote.state == "draft"
    assert [s[4] for s in _steps(world, quote)] == ["rejected", "superseded"]
    note = world.events("notify.email")[-1]
    assert note["kind"] == "approval_rejected" and note["comment"] == "too deep"
    with pytest.raises(ConflictError, match="already rejected"):
        decide_approval(first.id or 0, True, session=world.session, actor=world.desk)


def test_unanswered_request_expires_and_cannot_be_decided_late(world: World) -> None:
    quote = _quote(world, QuoteLineInput("SW-100", 1, requested_discount_percent=Decimal("25")))
    submit_quote(quote.id or 0, session=world.session, actor=world.sales)
    request = quote_approvals(quote.id or 0, session=world.session, actor=world.admin)[0]
    assert request.expires_at is not None and request.activated_at is not None
    assert request.expires_at - request.activated_at == timedelta(days=2)
    late = utcnow() + timedelta(days=2, minutes=1)
    with pytest.raises(ConflictError, match="expired"):
        decide_approval(request.id or 0, True, session=world.session, actor=world.desk, now=late)
    assert expire_approval_requests(session=world.session, actor=Actor.system(), now=utcnow()) == 0
    assert expire_approval_requests(session=world.session, actor=Actor.system(), now=late) == 1
    world.session.refresh(quote)
    world.session.refresh(request)
    assert (quote.state, request.decision) == ("draft", "expired")
    assert world.events("notify.email")[-1]["kind"] == "approval_expired"
    with pytest.raises(AccessDenied):
        expire_approval_requests(session=world.session, actor=world.actor(world.buyer))


def test_only_a_draft_is_submitted(world: World) -> None:
    quote = submit_quote(_quote(world).id or 0, session=world.session, actor=world.sales)
    with pytest.raises(DomainError, match="only a draft"):
        submit_quote(quote.id or 0, session=world.session, actor=world.sales)


def test_partner_isolation_of_approval_functions(world: World) -> None:
    quote = _quote(world, QuoteLineInput("SW-100", 1, requested_discount_percent=Decimal("25")))
    eve = world.actor(world.other_buyer)
    with pytest.raises(NotFoundError):
        submit_quote(quote.id or 0, session=world.session, actor=eve)
    submit_quote(quote.id or 0, session=world.session, actor=world.sales)
    request = quote_approvals(quote.id or 0, session=world.session, actor=world.admin)[0]
    for call in (
        lambda: quote_approvals(quote.id or 0, session=world.session, actor=eve),
        lambda: decide_approval(request.id or 0, True, session=world.session, actor=eve),
        lambda: delegate_approval(request.id or 0, "x", session=world.session, actor=eve),
    ):
        with pytest.raises(NotFoundError):
            call()
