"""The self-renew page on the order core's renewal service: the notice's link renews once."""

from __future__ import annotations

import re

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from channelsync.web.app import build_app
from channelsync.web.core_renewals import CoreRenewals
from channelsync.web.settings import WebSettings
from order_core.notifications.render import render_notification
from order_core.orders.models import Order
from order_core.renewals.models import Renewal
from order_core.renewals.run import run_renewals
from tests.order_core.orders.world import make_world
from tests.order_core.renewals.conftest import days_before, mails, subscribe


def test_the_notice_link_opens_the_page_and_renews_once(engine: Engine, session: Session) -> None:
    world = make_world(session)
    sub = subscribe(session, world)
    run_renewals(engine, days_before(sub, 30))
    text = render_notification(mails(session, "renewal_notice")[0]).text
    found = re.search(r"http://testserver(/renewals/[^?]+\?token=\S+)", text)
    assert found is not None
    url = found[1]
    session.commit()
    client = TestClient(
        build_app(engine, settings=WebSettings(), renewals=CoreRenewals()), follow_redirects=False
    )
    page = client.get(url)
    assert page.status_code == 200 and "Renew Cloud Backup (10 seats)" in page.text
    assert "$500.00" in page.text and "$400.00" not in page.text  # resale only, never the buy price
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
    data = {**fields, "name": "Rita", "email": "rita@acme.example", "po_number": "PO-9"}
    reference = url.split("/")[2].split("?")[0]
    done = client.post(f"/renewals/{reference}/renew", data=data)
    assert done.status_code == 303
    assert "Subscription renewed" in client.get(url).text
    again = client.post(f"/renewals/{reference}/renew", data=data)
    assert again.status_code == 409 and "already renewed" in again.text
    assert client.get(url[:-3] + "xyz").status_code == 404
    session.expire_all()
    renewal = session.exec(select(Renewal)).one()
    orders = session.exec(select(Order).where(Order.po_number == "PO-9")).all()
    assert renewal.state == "renewed" and [o.id for o in orders] == [renewal.order_id]
