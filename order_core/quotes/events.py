"""Outbox events of quotes: CRM push-back, PRM webhooks and e-mail notifications."""

from __future__ import annotations

from sqlmodel import Session

from order_core.customers.models import EndCustomer
from order_core.deals.models import Deal
from order_core.outbox import emit_event
from order_core.partners.models import Partner
from order_core.quotes.models import Quote
from quote_engine.documents import QuoteDocument
from quote_engine.money import round_money


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
    """An e-mail to the reseller's or the vendor's people about ``quote`` (both prices on it).

    ``to`` holds addresses, ``role:<vendor role>``, ``partner-role:<role>`` or vendor logins;
    the delivery resolves them (``order_core.notifications.recipients``). System actors (the sync
    engine, scheduled jobs: ``system:<name>``) have no mailbox and are left out; with nobody
    left, no e-mail is written.
    """
    to = [t for t in to if not t.startswith("system:")]
    if not to:
        return
    partner = session.get(Partner, quote.partner_id)
    customer = session.get(EndCustomer, quote.end_customer_id) if quote.end_customer_id else None
    facts = {
        "partner_name": partner.name if partner is not None else "",
        "customer_name": customer.name if customer is not None else None,
        "net_total": round_money(quote.net_total, quote.currency),
        "resale_total": round_money(quote.resale_total, quote.currency),
        "reseller_margin": round_money(quote.reseller_margin, quote.currency),
    }
    _emit(session, quote, {"kind": kind, "to": to, **facts, **extra})


def notify_customer(
    session: Session, quote: Quote, *, to: list[str], document: QuoteDocument, sealed_token: str
) -> None:
    """The quote e-mail to the end customer: its document (resale prices only) and its link.

    The link's token travels sealed (``order_core.sealing``). The document keeps its embedded
    logos (the reseller's and the distributor's), which the e-mail shows as inline images.
    """
    shown = document.model_dump(mode="json")
    payload: dict[str, object] = {
        "kind": "quote_sent",
        "to": to,
        "document": shown,
        "sealed_token": sealed_token,
    }
    _emit(session, quote, payload)


def _emit(session: Session, quote: Quote, payload: dict[str, object]) -> None:
    base = {
        "number": quote.number,
        "version": quote.version,
        "currency": quote.currency,
        "locale": quote.locale,
    }
    emit_event(
        session, "notify.email", "quote", quote.id, {**base, **payload}, partner_id=quote.partner_id
    )
