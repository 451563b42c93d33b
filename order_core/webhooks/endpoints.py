"""Setting, removing and reading partners' PRM webhook endpoints (vendor admins; audited without the secret)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import SecretStr
from sqlmodel import Session, col, select

from order_core.actors import Actor, require_vendor
from order_core.audit import record_audit
from order_core.bulk_sql import chunks, one_of
from order_core.errors import NotFoundError, invalid
from order_core.partners.models import Partner
from order_core.tx import transactional
from order_core.types import control_character, utcnow
from order_core.webhooks.models import PartnerWebhook

#: The shortest signing secret accepted (characters): an HMAC key needs real entropy.
MIN_SECRET = 16
_LOOPBACK_NAMES = ("localhost",)


@dataclass(frozen=True)
class WebhookEndpoint:
    """A partner's endpoint as the sender uses it; ``secret`` is a SecretStr (hidden in repr and str)."""

    partner_id: int
    url: str
    secret: SecretStr


def _loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_webhook_url(partner_id: int, url: str) -> str:
    """``url`` trimmed if it is a usable endpoint, else ValidationFailed saying what to fix.

    HTTPS, or plain HTTP to this machine only (127.0.0.1, ::1, localhost: tests and local
    relays); a host; no user name or password in it (they would show wherever the URL is shown);
    no fragment.
    """
    record = f"webhook of partner {partner_id}"
    text = url.strip()
    bad = control_character(text) or (" " if " " in text else None)
    if not text or bad:
        why = "is empty" if not text else f"contains {bad!r}"
        raise invalid(record, "url", f"{why}; give a URL such as https://prm.example.com/hooks")
    if len(text) > 2000:
        raise invalid(record, "url", "is longer than 2000 characters; give a shorter URL")
    parts = urlsplit(text)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise invalid(record, "url", "is not an http(s) URL with a host; use https://host/path")
    if parts.scheme == "http" and not _loopback(host):
        raise invalid(
            record,
            "url",
            f"uses plain http to {host}; use https (plain http is allowed to 127.0.0.1 only)",
        )
    if parts.username is not None or parts.password is not None:
        raise invalid(
            record,
            "url",
            "carries a user name or password; remove it (requests are signed with the secret)",
        )
    if parts.fragment:
        raise invalid(record, "url", "has a #fragment, which is never sent; remove it")
    return text


def _check_secret(partner_id: int, secret: SecretStr) -> str:
    value = secret.get_secret_value()
    record = f"webhook of partner {partner_id}"
    if len(value) < MIN_SECRET:
        raise invalid(
            record,
            "secret",
            f"is shorter than {MIN_SECRET} characters; use a random secret such as "
            "the output of `python -c 'import secrets; print(secrets.token_hex(32))'`",
        )
    if value != value.strip() or control_character(value) or len(value) > 512:
        raise invalid(
            record,
            "secret",
            "has surrounding spaces, control characters or more than 512 characters; "
            "use printable characters only",
        )
    return value


@transactional
def set_partner_webhook(
    partner_id: int, url: str, secret: SecretStr, *, session: Session, actor: Actor
) -> PartnerWebhook:
    """Set (or replace) the partner's endpoint URL and signing secret. Vendor admins only.

    The audit entry records the URL change and whether the secret was set or replaced, never the
    secret itself.
    """
    require_vendor(actor, action="set PRM webhooks")
    if session.get(Partner, partner_id) is None:
        raise NotFoundError(f"partner {partner_id} not found")
    clean_url = check_webhook_url(partner_id, url)
    value = _check_secret(partner_id, secret)
    hook = session.exec(
        select(PartnerWebhook).where(PartnerWebhook.partner_id == partner_id)
    ).first()
    changes: dict[str, object]
    if hook is None:
        hook = PartnerWebhook(partner_id=partner_id, url=clean_url, secret=value)
        changes = {"url": [None, clean_url], "secret": "set"}
    else:
        changes = {"secret": "unchanged" if hook.secret == value else "replaced"}
        if hook.url != clean_url:
            changes["url"] = [hook.url, clean_url]
        hook.url, hook.secret, hook.updated_at = clean_url, value, utcnow()
    session.add(hook)
    record_audit(
        session, actor, "set_webhook", "partner", partner_id, changes, partner_id=partner_id
    )
    return hook


@transactional
def remove_partner_webhook(partner_id: int, *, session: Session, actor: Actor) -> None:
    """Remove the partner's endpoint (its later events are skipped). Vendor admins only."""
    require_vendor(actor, action="remove PRM webhooks")
    hook = session.exec(
        select(PartnerWebhook).where(PartnerWebhook.partner_id == partner_id)
    ).first()
    if hook is None:
        raise NotFoundError(
            f"partner {partner_id} has no PRM webhook; `channelsync prm webhook list` shows them"
        )
    record_audit(
        session,
        actor,
        "remove_webhook",
        "partner",
        partner_id,
        {"url": [hook.url, None]},
        partner_id=partner_id,
    )
    session.delete(hook)


@transactional
def list_partner_webhooks(*, session: Session, actor: Actor) -> list[PartnerWebhook]:
    """Every partner's endpoint, by partner id (the rows hold the secret: show URLs only)."""
    require_vendor(actor, action="list PRM webhooks")
    stmt = select(PartnerWebhook).order_by(col(PartnerWebhook.partner_id))
    return list(session.exec(stmt))


@transactional
def webhook_endpoints(
    partner_ids: Iterable[int], *, session: Session, actor: Actor
) -> dict[int, WebhookEndpoint]:
    """The endpoints of these partners, by partner id (partners without one are left out)."""
    require_vendor(actor, action="read PRM webhook secrets")
    found: dict[int, WebhookEndpoint] = {}
    for chunk in chunks(sorted(set(partner_ids))):
        stmt = select(PartnerWebhook).where(one_of(session, col(PartnerWebhook.partner_id), chunk))
        for hook in session.exec(stmt):
            found[hook.partner_id] = WebhookEndpoint(
                hook.partner_id, hook.url, SecretStr(hook.secret)
            )
    return found
