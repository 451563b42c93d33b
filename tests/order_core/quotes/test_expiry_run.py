"""The expiry run: approval steps past their deadline, then quotes past their valid-until day."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlmodel import select

from order_core.expiry import run_expiry
from order_core.pricing_inputs.builder import QuoteLineInput
from order_core.quotes.approvals import submit_quote
from order_core.quotes.models import ApprovalRequest, Quote
from order_core.quotes.services import create_quote
from order_core.types import utcnow
from tests.order_core.quotes.conftest import World


def _quote(world: World, discount: str | None = None) -> Quote:
    line = QuoteLineInput("SW-100", 1, requested_discount_percent=Decimal(discount or "0") or None)
    return create_quote(
        world.reseller,
        [line],
        session=world.session,
        actor=world.sales,
        end_customer_id=world.customer,
    )


def _state(world: World, quote: Quote) -> str:
    world.session.expire_all()
    found = world.session.get(Quote, quote.id)
    assert found is not None
    state = found.state
    world.session.rollback()  # on SQLite an open transaction would hold the write lock
    return state


def test_steps_expire_after_their_deadline_and_quotes_after_their_day(world: World) -> None:
    engine = world.session.get_bind()
    waiting = _quote(world, "25")
    submit_quote(waiting.id or 0, session=world.session, actor=world.sales)
    plain = _quote(world)
    world.session.commit()

    nothing = run_expiry(engine, utcnow())  # type: ignore[arg-type]
    assert (nothing.quote_approval_steps, nothing.quotes) == (0, 0)
    assert _state(world, waiting) == "pending_approval"

    late = run_expiry(engine, utcnow() + timedelta(days=2, minutes=1))  # type: ignore[arg-type]
    assert (late.quote_approval_steps, late.quotes, late.order_approvals) == (1, 0, [])
    assert (_state(world, waiting), _state(world, plain)) == ("draft", "draft")
    step = world.session.exec(
        select(ApprovalRequest).where(ApprovalRequest.quote_id == waiting.id)
    ).first()
    assert step is not None and step.decision == "expired"
    world.session.rollback()

    again = run_expiry(engine, utcnow() + timedelta(days=2, minutes=2))  # type: ignore[arg-type]
    assert (again.quote_approval_steps, again.quotes) == (0, 0)  # nothing expires twice

    past = run_expiry(engine, utcnow() + timedelta(days=60))  # type: ignore[arg-type]
    assert past.quotes == 2
    assert (_state(world, waiting), _state(world, plain)) == ("expired", "expired")
    assert past.as_dict()["quotes"] == 2
