"""A customer's self-renewal pays the reseller's renewal commission (resale or buy base) and the distributor's."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from order_core.actors import Actor
from order_core.commissions.documents import statement_html
from order_core.commissions.services import create_program, partner_statements
from order_core.fulfillment.services import accept_order, fulfill_order
from order_core.notifications.render import render_notification
from order_core.orders.models import Order
from order_core.partners.models import BrandingProfile, DistributorRelation, Partner
from order_core.renewals.models import Renewal
from order_core.renewals.run import run_renewals
from order_core.renewals.self_renew import renew_by_link
from tests.order_core.commissions.conftest import Clock, run
from tests.order_core.orders.world import VENDOR, World
from tests.order_core.renewals.conftest import days_before, mails, subscribe

D = Decimal


def test_renewal_commissions_and_the_distributors(
    engine: Engine, session: Session, world: World, clock: Clock
) -> None:
    dist = Partner(name="Big Dist", kind="distributor")
    session.add(dist)
    session.flush()
    session.add(DistributorRelation(reseller_id=world.partner_a, distributor_id=dist.id or 0))
    session.add(BrandingProfile(distributor_id=dist.id or 0, display_name="Big Dist Europe", primary_color="#AA0000"))  # fmt: skip
    session.commit()
    dist_id = dist.id or 0
    for code, kind, base, percent in (
        ("RENEW", "renewal_commission", "resale", "10"),
        ("RENEW-BUY", "renewal_commission", "buy", "5"),
        ("DIST", "distributor_commission", "buy", "2"),
    ):
        create_program(code, code, [(D(0), D(percent))], kind=kind, base=base, session=session, actor=VENDOR)  # fmt: skip
    sub = subscribe(session, world)  # 10 seats: resale 50.00, buy 40.00
    session.commit()
    run_renewals(engine, days_before(sub, 30))
    text = render_notification(mails(session, "renewal_notice")[0]).text
    assert "supplied through Big Dist Europe" in text  # co-branded notice
    found = re.search(r"/renewals/([^?]+)\?token=(\S+)", text)
    assert found is not None
    renew_by_link(found[1], found[2], name="Rita", email="rita@acme.example", po_number=None, session=session, actor=Actor.system("customer-link"))  # fmt: skip
    renewal = session.exec(select(Renewal)).one()
    order = session.get(Order, renewal.order_id)
    assert order is not None and order.distributor_id == dist_id
    accept_order(order.number, session=session, actor=VENDOR)
    fulfill_order(order.number, session=session, actor=VENDOR)  # invoiced on 2027-03-10
    figures = run(engine, session, "2027-03")
    assert (figures["accrued"], figures["statements"]) == (3, 2)
    [reseller] = partner_statements(world.partner_a, "2027-03", session=session, actor=VENDOR)
    by_program = {line.program: (line.base, line.amount) for line in reseller.lines}
    assert by_program == {
        "RENEW": (D("500.00"), D("50.00")),
        "RENEW-BUY": (D("400.00"), D("20.00")),
    }
    assert reseller.total == D("70.00")
    [distributor] = partner_statements(dist_id, "2027-03", session=session, actor=VENDOR)
    assert (distributor.total, distributor.lines[0].order) == (D("8.00"), order.number)
    assert "supplied through Big Dist Europe" in statement_html(session, [reseller])
