"""PRM webhook endpoints: vendor admins set and remove them; URLs checked; the secret never audited."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from order_core.actors import Actor
from order_core.audit import AuditEntry
from order_core.errors import AccessDenied, NotFoundError, ValidationFailed
from order_core.partners.models import Partner
from order_core.webhooks.endpoints import (
    list_partner_webhooks,
    remove_partner_webhook,
    set_partner_webhook,
    webhook_endpoints,
)

ADMIN = Actor.vendor("ops@vendor.example")
SALES = Actor.vendor("sales@vendor.example", "sales_ops")
SECRET = SecretStr("whsec-0123456789abcdef-first")
OTHER = SecretStr("whsec-0123456789abcdef-second")


def _partner(session: Session) -> int:
    partner = Partner(name="Alpha Resellers")
    session.add(partner)
    session.commit()
    assert partner.id is not None
    return partner.id


def test_set_replace_remove_audited_without_the_secret(session: Session) -> None:
    pid = _partner(session)
    set_partner_webhook(
        pid, " https://prm.alpha.example/hooks ", SECRET, session=session, actor=ADMIN
    )
    set_partner_webhook(pid, "https://prm.alpha.example/v2", OTHER, session=session, actor=ADMIN)
    (endpoint,) = webhook_endpoints([pid, 999], session=session, actor=ADMIN).values()
    assert (endpoint.partner_id, endpoint.url) == (pid, "https://prm.alpha.example/v2")
    assert endpoint.secret.get_secret_value() == OTHER.get_secret_value()
    assert "second" not in repr(endpoint) and "second" not in str(
        list_partner_webhooks(session=session, actor=ADMIN)
    )
    remove_partner_webhook(pid, session=session, actor=ADMIN)
    assert webhook_endpoints([pid], session=session, actor=ADMIN) == {}
    entries = session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()  # type: ignore[arg-type]
    assert [(e.action, e.entity_id) for e in entries] == [
        ("set_webhook", str(pid)),
        ("set_webhook", str(pid)),
        ("remove_webhook", str(pid)),
    ]
    text = " ".join(e.changes for e in entries)
    assert "first" not in text and "second" not in text and "whsec" not in text
    assert json.loads(entries[1].changes)["secret"] == "replaced"
    with pytest.raises(NotFoundError, match=f"partner {pid} has no PRM webhook"):
        remove_partner_webhook(pid, session=session, actor=ADMIN)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "is empty"),
        ("ftp://prm.example/x", "is not an http(s) URL"),
        ("http://prm.example/x", "uses plain http to prm.example; use https"),
        ("https://user:pw@prm.example/x", "carries a user name or password"),
        ("https://prm.example/x#frag", "has a #fragment"),
        ("https://prm.example/a b", "contains ' '"),
    ],
)
def test_bad_urls_are_refused(session: Session, url: str, reason: str) -> None:
    pid = _partner(session)
    with pytest.raises(ValidationFailed) as exc:
        set_partner_webhook(pid, url, SECRET, session=session, actor=ADMIN)
    assert reason in str(exc.value) and "url" in str(exc.value)
    assert list_partner_webhooks(session=session, actor=ADMIN) == []


def test_loopback_http_short_secrets_unknown_partners_and_roles(session: Session) -> None:
    pid = _partner(session)
    set_partner_webhook(pid, "http://127.0.0.1:8099/in", SECRET, session=session, actor=ADMIN)
    with pytest.raises(ValidationFailed) as exc:
        set_partner_webhook(
            pid, "https://x.example", SecretStr("short-secret"), session=session, actor=ADMIN
        )
    assert "shorter than 16 characters" in str(exc.value) and "short-secret" not in str(exc.value)
    with pytest.raises(NotFoundError, match="partner 999 not found"):
        set_partner_webhook(999, "https://x.example", SECRET, session=session, actor=ADMIN)
    with pytest.raises(AccessDenied, match="vendor role 'admin'"):
        set_partner_webhook(pid, "https://x.example", SECRET, session=session, actor=SALES)
    with pytest.raises(AccessDenied):
        remove_partner_webhook(pid, session=session, actor=SALES)
    (hook,) = list_partner_webhooks(session=session, actor=ADMIN)
    assert hook.url == "http://127.0.0.1:8099/in"
