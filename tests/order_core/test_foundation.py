"""The foundation: exact money and UTC times round-trip, and a service call is one transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from order_core.actors import Actor
from order_core.audit import AuditEntry, record_audit
from order_core.catalog.models import ListPrice, Product
from order_core.errors import ConflictError
from order_core.outbox import OutboxEvent, emit_event
from order_core.partners.models import Partner
from order_core.tx import transactional


def test_money_and_time_round_trip_exactly(session: Session) -> None:
    product = Product(sku="X-1", name="X")
    session.add(product)
    session.commit()
    assert product.id is not None
    amount = Decimal("12345678901.12345678")
    session.add(ListPrice(product_id=product.id, currency="USD", amount=amount))
    tokyo = timezone(timedelta(hours=9))
    partner = Partner(name="P", created_at=datetime(2026, 1, 2, 9, 0, tzinfo=tokyo))
    session.add(partner)
    session.commit()
    session.expunge_all()
    price = session.exec(select(ListPrice)).one()
    assert price.amount == amount and isinstance(price.amount, Decimal)
    loaded = session.exec(select(Partner)).one()
    assert loaded.created_at == datetime(2026, 1, 2, 0, 0, tzinfo=UTC)
    assert loaded.created_at.tzinfo is not None


def test_float_money_is_refused(session: Session) -> None:
    session.add(Product(sku="F-1", name="F"))
    session.commit()
    session.add(ListPrice(product_id=1, currency="USD", amount=1.5))  # type: ignore[arg-type]
    with pytest.raises(Exception, match="Decimal"):
        session.commit()
    session.rollback()


@transactional
def _make_partner(name: str, *, session: Session, actor: Actor, fail: bool = False) -> Partner:
    partner = Partner(name=name)
    session.add(partner)
    session.flush()
    record_audit(session, actor, "create", "partner", partner.id)
    emit_event(session, "crm.partner", "partner", partner.id, {"name": name})
    if fail:
        raise ConflictError("boom after the writes")
    return partner


@transactional
def _make_two(*, session: Session, actor: Actor) -> None:
    _make_partner("inner-ok", session=session, actor=actor)
    _make_partner("inner-bad", session=session, actor=actor, fail=True)


def test_service_call_is_one_transaction(session: Session) -> None:
    actor = Actor.vendor("admin@vendor.example")
    _make_partner("kept", session=session, actor=actor)
    with pytest.raises(ConflictError):
        _make_partner("lost", session=session, actor=actor, fail=True)
    with pytest.raises(ConflictError):
        _make_two(session=session, actor=actor)
    names = [p.name for p in session.exec(select(Partner))]
    assert names == ["kept"]
    assert len(session.exec(select(AuditEntry)).all()) == 1
    assert [e.data() for e in session.exec(select(OutboxEvent))] == [{"name": "kept"}]
