"""Outbox events of quotes: CRM push-back, PRM webhooks and e-mail notifications."""

from __future__ import annotations

from sqlmodel import Session

from order_core.deals.models import Deal
from order_core.outbox import emit_event
from order_core.quotes.models import Quote


def quote_payload(session: Session, quote: Quote) -> dict[str, object]:
    """The core-owned quote fields the CRM and PRM receive."""
    deal = session.get(Deal, quote.deal_id) if quote.deal_id is not None else None
    return {
        "quote_id": quote.id,
        "number": quote.number,
        "version": quote.version,
        "state": quote.state,
        "partner_id": quote.partner_id,
        "end_customer_id": quote.end_customer_id,
        "deal_id": quote.deal_id,
        "deal_source": deal.source if deal is not None else None,
        "deal_crm_id": deal.crm_id if deal is not None else None,
        "currency": quote.currency,
        "list_total": quote.list_total,
        "net_total": quote.net_total,
        "valid_until": quote.valid_until.isoformat(),
        "order_id": quote.order_id,
    }


def quote_changed(session: Session, quote: Quote, event: str, **extra: object) -> None:
    """Push the quote's state to the CRM (``crm.quote``) and to the partner's PRM (``prm.webhook``)."""
    payload = quote_payload(session, quote)
    emit_event(
        session,
        "crm.quote",
        "quote",
        quote.id,
        {**payload, "event": event},
        partner_id=quote.partner_id,
    )
    emit_event(
        session,
        "prm.webhook",
        "quote",
        quote.id,
        {**payload, **extra, "event": f"quote.{event}"},
        partner_id=quote.partner_id,
    )


def notify(session: Session, quote: Quote, kind: str, *, to: list[str], **extra: object) -> None:
    """An e-mail notification about ``quote`` (``to`` holds addresses or ``role:<vendor role>``)."""
    emit_event(
        session,
        "notify.email",
        "quote",
        quote.id,
        {"kind": kind, "to": to, "number": quote.number, "version": quote.version, **extra},
        partner_id=quote.partner_id,
    )
