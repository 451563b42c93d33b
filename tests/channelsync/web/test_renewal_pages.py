"""The self-renew page against the renewal service interface (the service itself is issue 15's).

Without a service the page says plainly that renewing online is not available yet. With one (a
small in-memory implementation of ``RenewalService`` here, holding token HMACs as the real one
will), the page shows the renewal, renews once, refuses the second submission and invalid links.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.testclient import TestClient

from channelsync.web.app import build_app
from channelsync.web.renewal_service import RenewalState, RenewalView
from channelsync.web.settings import WebSettings
from order_core.actors import Actor
from order_core.errors import ConflictError, NotFoundError
from quote_engine.documents import Brand, DocumentLine, Party, QuoteDocument

TOKEN = "r3n3w-t0ken_abcdefghijklmnopqrstuvwxyz0123456"
KEY = b"test renewal links"


class MemoryRenewals:
    """One renewal, its token kept as an HMAC; renewing is once only (under a lock)."""

    def __init__(self) -> None:
        self.token_hash = hmac.new(KEY, TOKEN.encode(), hashlib.sha256).hexdigest()
        self.renewed_by: list[tuple[str, str, str | None]] = []
        self._lock = threading.Lock()

    def _check(self, reference: str, token: str) -> None:
        given = hmac.new(KEY, token.encode(), hashlib.sha256).hexdigest()
        if reference != "S-000042" or not hmac.compare_digest(given, self.token_hash):
            raise NotFoundError(f"renewal {reference}: the link is not valid")

    def _view(self) -> RenewalView:
        renewed = bool(self.renewed_by)
        return RenewalView(
            state=RenewalState.RENEWED if renewed else RenewalState.OPEN,
            message=f"Renewed by {self.renewed_by[0][0]}." if renewed else "Open until March 1.",
            subscription="Contoso Platform (25 seats)",
            current_term_ends=date(2027, 3, 1),
            new_term_ends=date(2028, 3, 1),
            document=QuoteDocument(
                number="Q-000900",
                issued_on=date(2027, 1, 1),
                valid_until=date(2027, 3, 1),
                currency="EUR",
                locale="de_DE",
                seller=Party(name="Acme Resale"),
                lines=(
                    DocumentLine(
                        line_no=1,
                        sku="CS-PLA-001",
                        name="Platform",
                        quantity=25,
                        unit_price=Decimal("120.00"),
                        line_total=Decimal("3000.00"),
                    ),
                ),
                total=Decimal("3000.00"),
                brand=Brand(display_name="Acme Resale", primary_color="#FFEE00"),
            ),
        )

    def renewal_view(
        self, reference: str, token: str, *, session: Session, actor: Actor
    ) -> RenewalView:
        self._check(reference, token)
        return self._view()

    def renew(
        self,
        reference: str,
        token: str,
        *,
        name: str,
        email: str,
        po_number: str | None,
        session: Session,
        actor: Actor,
    ) -> RenewalView:
        self._check(reference, token)
        with self._lock:
            if self.renewed_by:
                raise ConflictError(f"Contoso Platform was already renewed by {self.renewed_by[0][0]}.")  # fmt: skip
            self.renewed_by.append((name, email, po_number))
        return self._view()


def _fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html))


def test_without_a_renewal_service_the_page_says_it_is_not_available(client: TestClient) -> None:
    for answer in (
        client.get(f"/renewals/S-000042?token={TOKEN}"),
        client.post("/renewals/S-000042/renew", data={"token": TOKEN}),
    ):
        assert answer.status_code == 501
        assert "Renewing online is not available yet" in answer.text


@pytest.fixture
def renewals_client(engine: Engine) -> tuple[TestClient, MemoryRenewals]:
    service = MemoryRenewals()
    return TestClient(build_app(engine, settings=WebSettings(), renewals=service), follow_redirects=False), service  # fmt: skip


def test_the_self_renew_page_renews_once(
    renewals_client: tuple[TestClient, MemoryRenewals],
) -> None:
    client, service = renewals_client
    url = f"/renewals/S-000042?token={TOKEN}"
    page = client.get(url)
    assert page.status_code == 200 and '<html lang="de">' in page.text
    assert "Renew Contoso Platform (25 seats)" in page.text and "3.000,00" in page.text
    assert "1. März 2028" in page.text  # the new term's end, in the customer's locale
    assert "--on-primary: #1A1A1A" in page.text  # dark text on the bright yellow brand colour
    fields = _fields(page.text)
    missing = client.post("/renewals/S-000042/renew", data={**fields, "name": "", "email": ""})
    assert missing.status_code == 400 and "Enter the name of the person renewing." in missing.text
    data = {**fields, "name": "Rita", "email": "rita@contoso.test", "po_number": "PO-R1"}
    done = client.post("/renewals/S-000042/renew", data=data)
    assert (done.status_code, done.headers["location"]) == (303, url)
    assert service.renewed_by == [("Rita", "rita@contoso.test", "PO-R1")]
    assert "Subscription renewed" in client.get(url).text
    again = client.post("/renewals/S-000042/renew", data=data)
    assert again.status_code == 409 and "already renewed by Rita" in again.text
    forged = client.post("/renewals/S-000042/renew", data={**data, "form_token": "f" * 64})
    assert forged.status_code == 403 and service.renewed_by == [("Rita", "rita@contoso.test", "PO-R1")]  # fmt: skip


def test_unknown_renewal_links_get_the_one_invalid_link_page(
    renewals_client: tuple[TestClient, MemoryRenewals],
) -> None:
    client, _ = renewals_client
    for url in (f"/renewals/S-000043?token={TOKEN}", f"/renewals/S-000042?token={TOKEN[:-1]}x"):
        answer = client.get(url)
        assert answer.status_code == 404 and "This link is not valid" in answer.text
