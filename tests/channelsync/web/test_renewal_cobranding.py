"""A renewal's notice, self-renew page, renewal order's invoice and commission statement carry the
co-branding (name, embedded logo, colours) of the distributor the subscription was bought through."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from channelsync.web.app import build_app
from channelsync.web.core_renewals import CoreRenewals
from channelsync.web.settings import WebSettings
from order_core.commissions.services import create_program
from order_core.invoices.render import render_invoice_html, render_invoice_pdf
from order_core.orders.models import Order
from order_core.partners.models import DistributorRelation, Partner
from order_core.renewals.models import Renewal
from order_core.renewals.run import run_renewals
from order_core.settings import CoreSettings
from tests.channelsync.web.cobrand import (
    LOGO,
    LOGO_URI,
    PRIMARY,
    SUPPLIED,
    VENDOR,
    assert_cobranded_html,
    assert_cobranded_pdf,
    brand_distributor,
    deliver_one,
    invoiced,
    use_test_database,
)
from tests.cli_run import run_cli
from tests.order_core.orders.world import make_world
from tests.order_core.renewals.conftest import days_before, subscribe
from tests.smtp_sink import Sink, html_part, text_part


@pytest.fixture(autouse=True)
def _database_url(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    use_test_database(engine, monkeypatch)


def test_a_renewal_notice_page_invoice_and_statement_carry_the_distributors_brand(
    engine: Engine, session: Session, smtp: tuple[Sink, CoreSettings], tmp_path: Path
) -> None:
    sink, settings = smtp
    world = make_world(session)
    dist = Partner(name="Big Dist", kind="distributor")
    session.add(dist)
    session.flush()
    session.add(DistributorRelation(reseller_id=world.partner_a, distributor_id=dist.id or 0))
    session.commit()
    brand_distributor(session, dist.id or 0)
    sub = subscribe(session, world)  # bought through the distributor: the subscription keeps it
    run_renewals(engine, days_before(sub, 30))

    mail = deliver_one(session, "renewal_notice", settings, sink)
    html = html_part(mail)
    assert SUPPLIED in html and f"border-left:4px solid {PRIMARY}" in html
    assert 'src="cid:cobrand-logo@channelsync"' in html
    logos = {p["Content-ID"]: p.get_payload(decode=True) for p in mail.walk() if p.get_content_maintype() == "image"}  # fmt: skip
    assert logos == {"<cobrand-logo@channelsync>": LOGO}
    text = text_part(mail)
    assert "supplied through Big <Dist> Europe" in text
    found = re.search(r"http://testserver(/renewals/([^?]+)\?token=\S+)", text)
    assert found is not None
    session.commit()

    client = TestClient(
        build_app(engine, settings=WebSettings(), renewals=CoreRenewals()), follow_redirects=False
    )
    page = client.get(found[1])
    assert SUPPLIED in page.text and f'src="{LOGO_URI}"' in page.text
    assert f"--cobrand: {PRIMARY};" in page.text
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
    data = {**fields, "name": "Rita", "email": "rita@acme.example", "po_number": "PO-9"}
    assert client.post(f"/renewals/{found[2]}/renew", data=data).status_code == 303
    session.expire_all()
    renewal = session.exec(select(Renewal)).one()
    order = session.get(Order, renewal.order_id)
    assert order is not None and order.distributor_id == dist.id
    invoice = invoiced(session, order)
    assert invoice.distributor_id == dist.id
    assert_cobranded_html(render_invoice_html(invoice.number, session=session, actor=VENDOR))
    assert_cobranded_pdf(render_invoice_pdf(invoice.number, session=session, actor=VENDOR))

    # The reseller's commission statement on that renewal, as ``channelsync commissions`` writes it.
    create_program("RENEW", "Renewals", [(Decimal(0), Decimal(10))], kind="renewal_commission", base="resale", session=session, actor=VENDOR)  # fmt: skip
    period = f"{invoice.issued_on:%Y-%m}"
    assert run_cli("commissions", "run", "--period", period).code == 0
    out = tmp_path / "statement.html"
    partner = str(world.partner_a)
    done = run_cli("commissions", "statement", "--partner", partner, "--period", period, "--out", str(out))  # fmt: skip
    assert done.code == 0, done
    statement = out.read_text(encoding="utf-8")
    assert "supplied through Big &lt;Dist&gt; Europe" in statement and "$50.00" in statement
    assert f'src="{LOGO_URI}"' in statement and f"border-bottom: 4px solid {PRIMARY}" in statement
