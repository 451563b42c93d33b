"""Approval workflow: the policy picks the steps, approvers decide in order, approvals bind to content."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from sqlalchemy import update
from sqlmodel import Session, col, select

from order_core.errors import AccessDenied, ConflictError, NotFoundError
from order_core.orders.approvals import (
    approve_order,
    expire_approvals,
    order_approvals,
    reject_order,
)
from order_core.orders.checkout import CartItem, place_order, submit_order
from order_core.orders.models import OrderApproval, OrderLine
from order_core.orders.revise import revise_order
from order_core.settings import get_settings
from order_core.types import utcnow
from quote_engine.approvals import policy_from_data
from tests.order_core.orders.world import SYSTEM, VENDOR, World

# Ann has a 5000 spending limit; 40 appliances at 160 = 6400 exceeds it.
BIG = [CartItem("HW-1", 40)]
VENDOR_RULES = {
    "rules": [
        {
            "name": "big",
            "when": {"field": "total", "op": "gt", "value": 1000},
            "approver": {"side": "partner", "role": "approver"},
        },
        {
            "name": "hardware",
            "sequence": 200,
            "when": {"field": "categories", "op": "contains", "value": "hardware"},
            "approver": {"side": "vendor", "role": "pricing_desk"},
        },
    ]
}
VENDOR_POLICY = policy_from_data(VENDOR_RULES, "test-policy")


def test_over_spending_limit_needs_partner_approver(session: Session, world: World) -> None:
    buyer = world.actor(session, world.buyer)
    order = place_order(session=session, actor=buyer, lines=BIG, payment_method="credit_line")
    assert order.status == "pending_approval"
    steps = order_approvals(order.number, session=session, actor=buyer)
    assert [(s.side, s.role, s.status) for s in steps] == [("partner", "approver", "pending")]
    with pytest.raises(AccessDenied, match="not the order's own buyer"):
        approve_order(order.number, session=session, actor=buyer)
    with pytest.raises(AccessDenied):
        approve_order(order.number, session=session, actor=world.actor(session, world.buyer2))
    with pytest.raises(NotFoundError):
        approve_order(order.number, session=session, actor=world.actor(session, world.buyer_b))
    approved = approve_order(
        order.number, session=session, actor=world.actor(session, world.approver), note="ok for Q3"
    )
    assert approved.status == "submitted"
    step = session.exec(select(OrderApproval)).one()
    assert step.status == "approved" and step.content_hash == approved.content_hash
    assert step.decided_by_email == "approver@alpha.example"


def test_revising_an_order_voids_its_approvals(session: Session, world: World) -> None:
    buyer = world.actor(session, world.buyer)
    order = place_order(
        session=session, actor=buyer, lines=BIG, payment_method="credit_line", policy=VENDOR_POLICY
    )
    approve_order(order.number, session=session, actor=world.actor(session, world.approver))
    first_hash = order.content_hash
    revised = revise_order(
        order.number,
        session=session,
        actor=buyer,
        lines=[CartItem("HW-1", 45)],
        policy=VENDOR_POLICY,
    )
    assert revised.status == "pending_approval" and revised.content_hash != first_hash
    steps = order_approvals(order.number, session=session, actor=buyer)
    assert [s.status for s in steps] == ["pending", "pending"]
    assert revised.net_total == Decimal("7200.00")


def test_approval_is_bound_to_the_stored_content(session: Session, world: World) -> None:
    buyer = world.actor(session, world.buyer)
    order = place_order(session=session, actor=buyer, lines=BIG, payment_method="credit_line")
    # Someone edits the line behind the service's back.
    session.execute(
        update(OrderLine).where(col(OrderLine.order_id) == order.id).values(quantity=400)
    )
    session.commit()
    with pytest.raises(ConflictError, match="content hash differs"):
        approve_order(order.number, session=session, actor=world.actor(session, world.approver))
    step = session.exec(select(OrderApproval)).one()
    assert step.status == "pending" and step.content_hash is None


def test_vendor_steps_follow_partner_steps_in_order(session: Session, world: World) -> None:
    buyer = world.actor(session, world.buyer)
    order = place_order(
        session=session, actor=buyer, lines=BIG, payment_method="credit_line", policy=VENDOR_POLICY
    )
    desk = VENDOR.__class__.vendor("desk@vendor.example", "pricing_desk")
    with pytest.raises(AccessDenied, match="partner approver"):
        approve_order(order.number, session=session, actor=desk)
    approve_order(order.number, session=session, actor=world.actor(session, world.approver))
    with pytest.raises(AccessDenied, match="vendor pricing_desk"):
        approve_order(order.number, session=session, actor=world.actor(session, world.admin))
    done = approve_order(order.number, session=session, actor=desk)
    assert done.status == "submitted"
    assert {s.content_hash for s in order_approvals(order.number, session=session, actor=desk)} == {
        done.content_hash
    }


def test_rejection_cancels(session: Session, world: World) -> None:
    buyer = world.actor(session, world.buyer)
    order = place_order(session=session, actor=buyer, lines=BIG, payment_method="credit_line")
    rejected = reject_order(
        order.number, session=session, actor=world.actor(session, world.admin), note="over budget"
    )
    assert rejected.status == "cancelled"
    assert session.exec(select(OrderApproval)).one().status == "rejected"


def test_installed_policy_applies_to_every_order(
    session: Session, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "approval_rules.yaml"
    rules.write_text(yaml.safe_dump(VENDOR_RULES), encoding="utf-8")
    monkeypatch.setenv("CHANNELSYNC_APPROVAL_RULES_FILE", str(rules))
    get_settings.cache_clear()
    bob = world.actor(session, world.buyer2)  # no spending limit; the policy asks above 1000
    order = place_order(
        session=session, actor=bob, lines=[CartItem("HW-1", 10)], payment_method="credit_line"
    )
    assert order.status == "pending_approval"
    monkeypatch.setenv("CHANNELSYNC_APPROVAL_RULES_FILE", "")
    get_settings.cache_clear()
    small = place_order(
        session=session,
        actor=world.actor(session, world.buyer2),
        lines=[CartItem("HW-1", 10)],
        payment_method="credit_line",
    )
    assert small.status == "submitted"


def test_expired_step_cannot_be_decided_and_goes_back_to_draft(
    session: Session, world: World
) -> None:
    buyer = world.actor(session, world.buyer)
    order = place_order(session=session, actor=buyer, lines=BIG, payment_method="credit_line")
    step = session.exec(select(OrderApproval)).one()
    assert step.expires_at is not None  # the default policy gives the buyer-limit step 2 days
    assert step.expires_after_seconds == 2 * 24 * 3600
    step.expires_at = utcnow() - timedelta(minutes=1)
    session.add(step)
    session.commit()
    with pytest.raises(ConflictError, match="expired"):
        approve_order(order.number, session=session, actor=world.actor(session, world.approver))
    assert expire_approvals(session=session, actor=SYSTEM) == [order.number]
    session.refresh(order)
    assert order.status == "draft"
    again = submit_order(order.number, session=session, actor=buyer)
    assert again.status == "pending_approval"
    fresh = session.exec(select(OrderApproval)).one()
    assert fresh.status == "pending" and fresh.expires_at is not None
    assert fresh.expires_at > utcnow()
