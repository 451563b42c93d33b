"""hold_credit and the checkout around it: exact holds, refusals that write nothing, credit_review and a real race."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Table, event, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from order_core.audit import AuditEntry
from order_core.credit.holds import hold_credit
from order_core.credit.models import CreditLedgerEntry, CreditLine
from order_core.credit.services import peek_credit_line, set_credit_line
from order_core.db import new_session
from order_core.errors import ValidationFailed
from order_core.orders.checkout import CartItem, place_order
from order_core.orders.models import Order, OrderStatusChange
from order_core.outbox import OutboxEvent
from order_core.partners.models import Partner
from tests.order_core.orders.world import CREDIT, SYSTEM, World, events_of, history_of


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


LINE = _table(CreditLine)


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    assert isinstance(bind, Engine)
    return bind


def _line(session: Session, partner_id: int) -> CreditLine:
    """The partner's credit line as committed, read by another session."""
    reader = new_session(_engine(session))
    try:
        return reader.exec(select(CreditLine).where(CreditLine.partner_id == partner_id)).one()
    finally:
        reader.close()


def _ledger(session: Session) -> list[CreditLedgerEntry]:
    """Every committed ledger entry, read by another session, in id order."""
    reader = new_session(_engine(session))
    try:
        return list(reader.exec(select(CreditLedgerEntry).order_by(col(CreditLedgerEntry.id))))
    finally:
        reader.close()


def _set_line(session: Session, partner_id: int, **values: Any) -> None:
    line = session.exec(select(CreditLine).where(CreditLine.partner_id == partner_id)).one()
    for name, value in values.items():
        setattr(line, name, value)
    session.add(line)
    session.commit()


def test_a_hold_that_fits_writes_its_ledger_entry_and_raises_held_exactly(
    session: Session, world: World
) -> None:
    _set_line(session, world.partner_a, outstanding=Decimal("0.30"), held=Decimal("0.10"))
    before = _line(session, world.partner_a)
    loaded = session.exec(select(CreditLine).where(CreditLine.partner_id == world.partner_a)).one()
    amount = Decimal("1234.56789012")
    ok = hold_credit(
        session, world.partner_a, "USD", amount, SYSTEM, order_id=4242, reference="SO-004242"
    )
    assert ok is True
    assert loaded.held == Decimal("0.10") + amount  # the copy in the session is in step
    session.commit()
    (entry,) = _ledger(session)
    assert entry.kind == "hold"
    assert entry.amount == amount
    assert (entry.order_id, entry.reference, entry.invoice_id) == (4242, "SO-004242", None)
    assert (entry.credit_line_id, entry.actor) == (before.id, SYSTEM.user)
    after = _line(session, world.partner_a)
    assert after.held - before.held == amount
    assert after.held == Decimal("1234.66789012")
    assert (after.outstanding, after.credit_limit) == (before.outstanding, before.credit_limit)
    status = peek_credit_line(session, world.partner_a)
    assert status is not None
    assert status.held == after.held
    assert status.available == Decimal("100000") - Decimal("0.30") - after.held
    session.rollback()


def test_a_hold_of_exactly_what_is_available_fits_and_one_cent_more_does_not(
    session: Session, world: World
) -> None:
    _set_line(session, world.partner_a, credit_limit=Decimal("1000.00"), held=Decimal("0.01"))
    too_much = Decimal("999.99000001")
    assert not hold_credit(
        session, world.partner_a, "USD", too_much, SYSTEM, order_id=1, reference="SO-000001"
    )
    session.commit()
    assert _ledger(session) == []
    assert _line(session, world.partner_a).held == Decimal("0.01")
    assert hold_credit(
        session, world.partner_a, "USD", Decimal("999.99"), SYSTEM, order_id=2, reference="r2"
    )
    session.commit()
    assert _line(session, world.partner_a).held == Decimal("1000.00")
    assert not hold_credit(
        session, world.partner_a, "USD", Decimal("0.01"), SYSTEM, order_id=3, reference="r3"
    )
    session.commit()
    assert [(e.order_id, e.amount) for e in _ledger(session)] == [(2, Decimal("999.99"))]
    assert _line(session, world.partner_a).held == Decimal("1000.00")


def test_two_holds_add_up_exactly(session: Session, world: World) -> None:
    for no in (1, 2, 3):
        assert hold_credit(
            session,
            world.partner_a,
            "USD",
            Decimal("0.10"),
            SYSTEM,
            order_id=no,
            reference=f"SO-{no:06d}",
        )
        session.commit()
    assert _line(session, world.partner_a).held == Decimal("0.30")
    entries = _ledger(session)
    assert [(e.order_id, e.reference, e.amount) for e in entries] == [
        (1, "SO-000001", Decimal("0.10")),
        (2, "SO-000002", Decimal("0.10")),
        (3, "SO-000003", Decimal("0.10")),
    ]


@pytest.mark.parametrize("case", ["no_room", "inactive", "other_currency", "no_line"])
def test_a_hold_that_does_not_fit_returns_false_and_writes_nothing(
    session: Session, world: World, case: str
) -> None:
    partner_id, currency, amount = world.partner_a, "USD", Decimal("100.00")
    if case == "no_room":
        _set_line(session, partner_id, outstanding=Decimal("60000"), held=Decimal("39900.00000001"))
    elif case == "inactive":
        _set_line(session, partner_id, active=False)
    elif case == "other_currency":
        currency = "GBP"  # partner A's line is in USD
    else:
        gamma = Partner(name="Gamma GmbH", country="DE", currency="EUR", locale="de_DE")
        session.add(gamma)
        session.commit()
        assert gamma.id is not None
        partner_id, currency = gamma.id, "EUR"
    lines_before = {ln.partner_id: ln.held for ln in _all_lines(session)}
    ok = hold_credit(
        session, partner_id, currency, amount, SYSTEM, order_id=77, reference="SO-000077"
    )
    assert ok is False
    session.commit()
    assert _ledger(session) == []
    assert {ln.partner_id: ln.held for ln in _all_lines(session)} == lines_before


def _all_lines(session: Session) -> list[CreditLine]:
    reader = new_session(_engine(session))
    try:
        return list(reader.exec(select(CreditLine).order_by(col(CreditLine.id))))
    finally:
        reader.close()


def test_an_order_that_fits_holds_its_total_for_that_order(session: Session, world: World) -> None:
    buyer = world.actor(session, world.buyer2)
    order = place_order(
        session=session, actor=buyer, lines=[CartItem("HW-1", 3)], payment_method="credit_line"
    )
    assert order.status == "submitted"
    (entry,) = _ledger(session)
    amount = order.net_total + order.tax_estimate
    assert amount > 0
    assert (entry.kind, entry.order_id, entry.reference, entry.amount) == (
        "hold",
        order.id,
        order.number,
        amount,
    )
    assert _line(session, world.partner_a).held == amount


def _nothing_of_any_order(session: Session) -> None:
    assert session.exec(select(Order)).all() == []
    assert session.exec(select(OrderStatusChange)).all() == []
    assert session.exec(select(OutboxEvent)).all() == []
    assert session.exec(select(AuditEntry).where(AuditEntry.entity == "order")).all() == []
    assert session.exec(select(CreditLedgerEntry)).all() == []


@pytest.mark.parametrize("case", ["other_currency", "no_line"])
def test_paying_on_credit_without_a_line_in_the_currency_is_refused_and_writes_nothing(
    session: Session, world: World, case: str
) -> None:
    currency = "USD"
    if case == "other_currency":
        currency = "GBP"  # partner A may pay on credit in GBP, but its line is in USD
    else:
        line = session.exec(
            select(CreditLine).where(CreditLine.partner_id == world.partner_a)
        ).one()
        session.delete(line)
        session.commit()
    buyer = world.actor(session, world.buyer2)
    session.commit()
    with pytest.raises(ValidationFailed, match="payment_method") as caught:
        place_order(
            session=session,
            actor=buyer,
            lines=[CartItem("HW-1", 1)],
            payment_method="credit_line",
            currency=currency,
        )
    assert [p.field for p in caught.value.problems] == ["payment_method"]
    assert f"no {currency} line of credit" in str(caught.value)
    _nothing_of_any_order(session)  # the same session, after the service rolled back
    session.rollback()
    if case == "other_currency":
        assert _line(session, world.partner_a).held == 0
    reader = new_session(_engine(session))
    try:
        _nothing_of_any_order(reader)
    finally:
        reader.close()


def _assert_sent_to_credit_review(session: Session, order: Order) -> None:
    assert order.status == "credit_review" and order.submitted_at is None
    stored = session.exec(
        select(Order).where(Order.id == order.id).execution_options(populate_existing=True)
    ).one()
    assert (stored.status, stored.submitted_at) == ("credit_review", None)
    assert history_of(session, order) == [(None, "draft"), ("draft", "credit_review")]
    events = events_of(session, order)
    assert len(events) == 3
    assert [e.data()["status"] for e in events] == ["credit_review"] * 3
    assert (
        session.exec(select(CreditLedgerEntry).where(CreditLedgerEntry.order_id == order.id)).all()
        == []
    )
    audit = session.exec(
        select(AuditEntry).where(AuditEntry.entity == "order", AuditEntry.entity_id == order.number)
    ).all()
    assert [a.action for a in audit] == ["create"]
    session.rollback()  # end the read (SQLite: let other sessions begin)


def test_an_order_that_does_not_fit_goes_to_credit_review_without_a_hold(
    session: Session, world: World
) -> None:
    set_credit_line(world.partner_a, Decimal(100), "USD", session=session, actor=CREDIT)
    buyer = world.actor(session, world.buyer2)
    order = place_order(
        session=session, actor=buyer, lines=[CartItem("HW-1", 1)], payment_method="credit_line"
    )
    _assert_sent_to_credit_review(session, order)
    assert _ledger(session) == []
    assert _line(session, world.partner_a).held == 0
    session.rollback()


# PostgreSQL only: on SQLite, BEGIN IMMEDIATE lets no second writer commit mid-transaction.
@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_losing_a_real_race_for_the_last_credit_sends_the_order_to_credit_review(
    session: Session, world: World
) -> None:
    engine = _engine(session)
    taken = Decimal("99999.99")  # leaves 0.01 of the 100000 limit: less than any order
    buyer = world.actor(session, world.buyer2)
    session.commit()
    seen: list[str] = []

    def other_checkout_commits_first(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if seen or "UPDATE credit_line" not in statement:
            return
        seen.append(statement)
        with engine.begin() as other:
            other.execute(
                update(LINE).where(LINE.c.partner_id == world.partner_a).values(held=taken)
            )

    event.listen(engine, "before_cursor_execute", other_checkout_commits_first)
    try:
        order = place_order(
            session=session,
            actor=buyer,
            lines=[CartItem("HW-1", 1)],
            payment_method="credit_line",
        )
    finally:
        event.remove(engine, "before_cursor_execute", other_checkout_commits_first)
    assert len(seen) == 1  # the race happened, at the hold statement
    assert "credit_ledger_entry" in seen[0]
    _assert_sent_to_credit_review(session, order)
    assert _ledger(session) == []
    line = _line(session, world.partner_a)
    assert line.held == taken
    assert line.credit_limit == Decimal("100000")
    session.rollback()
