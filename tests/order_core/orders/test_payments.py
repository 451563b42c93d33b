"""Payment methods per partner, country, currency and locale; drafts and PO numbers."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from order_core.errors import AccessDenied, ValidationFailed
from order_core.orders.checkout import CartItem, place_order, submit_order
from order_core.orders.revise import revise_order
from order_core.payments.services import (
    allow_payment_method,
    looks_like_card_number,
    payment_methods_for,
)
from tests.order_core.orders.world import VENDOR, World


def test_partner_rules_replace_the_vendor_defaults(session: Session, world: World) -> None:
    buyer = world.actor(session, world.buyer2)
    assert payment_methods_for(world.partner_a, "USD", session=session, actor=buyer) == [
        "credit_line",
        "purchase_order",
    ]
    assert payment_methods_for(world.partner_a, "GBP", session=session, actor=buyer) == [
        "credit_line"
    ]
    allow_payment_method(
        "card", session=session, actor=VENDOR, partner_id=world.partner_a, currencies=["usd"]
    )
    assert payment_methods_for(world.partner_a, "USD", session=session, actor=buyer) == ["card"]
    with pytest.raises(ValidationFailed, match="allowed: card"):
        place_order(
            session=session, actor=buyer, lines=[CartItem("HW-1", 1)], payment_method="credit_line"
        )
    with pytest.raises(ValidationFailed, match="is not one of"):
        allow_payment_method("cash", session=session, actor=VENDOR)
    with pytest.raises(AccessDenied):
        allow_payment_method("card", session=session, actor=buyer)


def test_locale_restricted_rule(session: Session, world: World) -> None:
    allow_payment_method("card", session=session, actor=VENDOR, locale="fr_FR")
    buyer = world.actor(session, world.buyer2)
    assert "card" not in payment_methods_for(world.partner_a, "USD", session=session, actor=buyer)


def test_po_number_can_be_added_to_a_draft_before_submitting(
    session: Session, world: World
) -> None:
    buyer = world.actor(session, world.buyer2)
    draft = place_order(
        session=session,
        actor=buyer,
        lines=[CartItem("HW-1", 1)],
        payment_method="purchase_order",
        submit=False,
    )
    with pytest.raises(ValidationFailed, match="po_number"):
        submit_order(draft.number, session=session, actor=buyer)
    revise_order(draft.number, session=session, actor=buyer, po_number="PO-LATE")
    assert submit_order(draft.number, session=session, actor=buyer).status == "submitted"


def test_card_number_detection() -> None:
    assert looks_like_card_number("4111-1111-1111-1111")
    assert not looks_like_card_number("tok_1234567890123")  # fails the Luhn check
    assert not looks_like_card_number("tok_abc")
