"""Incentive credit as a payment method: the balance, grants, spending at checkout, returns on cancel.

An order paid with ``incentive_credit`` (allowed by the payment method rules like any method)
takes its total, net plus estimated tax, from the partner's balance in the order's currency when
the balance covers it in full; otherwise CreditExceeded names what is available. The partner row
is locked while the balance is read and spent, so two orders never spend the same credit.
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, select

from order_core.errors import CreditExceeded
from order_core.partners.models import Partner
from order_core.payments.models import IncentiveCredit

METHOD = "incentive_credit"


def credit_balance(session: Session, partner_id: int, currency: str) -> Decimal:
    """The partner's incentive credit in ``currency`` (summed in Decimal: money is text on SQLite)."""
    stmt = select(IncentiveCredit).where(
        IncentiveCredit.partner_id == partner_id, IncentiveCredit.currency == currency
    )
    return sum((row.amount for row in session.exec(stmt)), Decimal(0))


def _has(session: Session, key: str) -> bool:
    return session.exec(select(IncentiveCredit.id).where(IncentiveCredit.source_key == key)).first() is not None  # fmt: skip


def grant_credit(
    session: Session, partner_id: int, currency: str, amount: Decimal, key: str
) -> bool:
    """Add ``amount`` of credit once per ``key``; False when that grant was made already."""
    if amount <= 0 or _has(session, key):
        return False
    session.add(IncentiveCredit(partner_id=partner_id, currency=currency, amount=amount, source_key=key))  # fmt: skip
    return True


def spend_credit(
    session: Session, partner_id: int, currency: str, amount: Decimal, order_id: int, number: str
) -> None:
    """Pay order ``number`` with credit; CreditExceeded when the balance does not cover ``amount``."""
    session.exec(select(Partner.id).where(Partner.id == partner_id).with_for_update()).first()
    available = credit_balance(session, partner_id, currency)
    if available < amount:
        raise CreditExceeded(
            f"order {number}: payment_method incentive_credit needs {amount} {currency}, the "
            f"partner has {available} {currency} of incentive credit; choose another payment method"
        )
    session.add(IncentiveCredit(partner_id=partner_id, currency=currency, amount=-amount, source_key=f"spend:{order_id}"))  # fmt: skip


def return_credit(session: Session, partner_id: int, order_id: int) -> Decimal:
    """Give back what a cancelled order spent (once); the amount returned."""
    spent = session.exec(
        select(IncentiveCredit).where(IncentiveCredit.source_key == f"spend:{order_id}")
    ).first()
    if spent is None or not grant_credit(session, partner_id, spent.currency, -spent.amount, f"return:{order_id}"):  # fmt: skip
        return Decimal(0)
    return -spent.amount
