"""A new reseller association, and a new reseller of record, send ``customer.associated`` to that reseller's PRM."""

from __future__ import annotations

from sqlmodel import Session, col, select

from order_core.actors import Actor
from order_core.customers.associations import associate_customer, set_reseller_of_record
from order_core.customers.bulk_associations import associate_many
from order_core.customers.models import EndCustomer
from order_core.outbox import OutboxEvent
from order_core.partners.models import Partner

ADMIN = Actor.vendor("ops@vendor.example")


def _ids(session: Session) -> tuple[int, int, int, int]:
    a, b = Partner(name="Alpha"), Partner(name="Beta")
    acme = EndCustomer(name="Acme Corp", country="US")
    globex = EndCustomer(name="Globex", country="GB")
    session.add_all([a, b, acme, globex])
    session.commit()
    assert a.id and b.id and acme.id and globex.id
    return a.id, b.id, acme.id, globex.id


def _webhooks(session: Session) -> list[tuple[int | None, dict[str, object]]]:
    rows = session.exec(
        select(OutboxEvent).where(OutboxEvent.topic == "prm.webhook").order_by(col(OutboxEvent.id))
    )
    out = []
    for e in rows:
        data = e.data()
        data.pop("since")
        out.append((e.partner_id, data))
    return out


def _event(
    customer: int, name: str, country: str, partner: int, origin: str, of_record: bool
) -> dict[str, object]:
    return {
        "event": "customer.associated",
        "customer_id": customer,
        "customer_name": name,
        "customer_country": country,
        "partner_id": partner,
        "origin": origin,
        "reseller_of_record": of_record,
    }


def test_associations_and_a_new_reseller_of_record_are_announced(session: Session) -> None:
    a, b, acme, globex = _ids(session)
    associate_customer(session, acme, a, "order")
    associate_customer(session, acme, a, "order")  # known: only its activity time moves
    associate_customer(session, acme, b, "deal")
    session.commit()
    assert associate_many(session, [(globex, b), (globex, a), (acme, a)], "import") == 2
    session.commit()
    set_reseller_of_record(acme, b, session=session, actor=ADMIN)
    set_reseller_of_record(acme, b, session=session, actor=ADMIN)  # no change: no event
    assert _webhooks(session) == [
        (a, _event(acme, "Acme Corp", "US", a, "order", True)),
        (b, _event(acme, "Acme Corp", "US", b, "deal", False)),
        (b, _event(globex, "Globex", "GB", b, "import", True)),
        (a, _event(globex, "Globex", "GB", a, "import", False)),
        (b, _event(acme, "Acme Corp", "US", b, "deal", True)),
    ]
