"""Quote services: create (directly or from a deal), edit, revise (version n+1), copy, read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlmodel import Session, col, select

from order_core.actors import Actor, partner_scope, require_partner_access
from order_core.audit import record_audit
from order_core.customers.models import EndCustomer
from order_core.deals.models import Deal
from order_core.errors import DomainError, NotFoundError, invalid
from order_core.money import check_currency
from order_core.orders.numbering import next_value
from order_core.partners.models import Partner
from order_core.pricing_inputs.builder import QuoteLineInput
from order_core.quotes.access import label, load_quote, require_quote_author
from order_core.quotes.approvals import restart_approval, withdraw_requests
from order_core.quotes.events import quote_changed
from order_core.quotes.models import Quote, QuoteLine
from order_core.quotes.pricing import cart_of, price_into, zero
from order_core.quotes.states import EDITABLE, QuoteState, check_transition
from order_core.tx import transactional
from order_core.types import utcnow
from quote_engine.pricing import RuleSet
from quote_engine.types import HeaderDiscount

DEFAULT_VALID_DAYS = 30


def _new_quote(
    session: Session,
    actor: Actor,
    partner: Partner,
    *,
    currency: str | None,
    end_customer_id: int | None,
    deal_id: int | None,
    valid_until: date,
    number: str | None = None,
    version: int = 1,
) -> Quote:
    assert partner.id is not None
    return Quote(
        number=number or f"Q-{next_value(session, 'quote'):06d}",
        version=version,
        partner_id=partner.id,
        end_customer_id=end_customer_id,
        deal_id=deal_id,
        buyer_id=actor.buyer_id if actor.kind == "partner" else None,
        currency=check_currency(f"quote of partner {partner.name}", currency or partner.currency),
        locale=partner.locale,
        valid_until=valid_until,
        content_hash="",
        list_total=zero(),
        net_total=zero(),
        margin=zero(),
        resale_total=zero(),
        reseller_margin=zero(),
        max_line_discount_pct=zero(),
        created_by=actor.user,
    )


@transactional
def create_quote(
    partner_id: int,
    lines: Sequence[QuoteLineInput],
    *,
    session: Session,
    actor: Actor,
    end_customer_id: int | None = None,
    currency: str | None = None,
    valid_until: date | None = None,
    header_discount: HeaderDiscount | None = None,
    rules: RuleSet | None = None,
    deal_id: int | None = None,
    on: date | None = None,
) -> Quote:
    """Create and price a draft quote for a partner and (optionally) an end customer.

    ``rules`` (here and in the other services) are the promotion rules; None prices with the
    installed rules file (``order_core.pricing_rules``), as orders do.
    """
    require_quote_author(actor, partner_id, action="create quotes")
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFoundError(f"partner {partner_id} not found")
    if not partner.active:
        raise DomainError(f"partner {partner.name} is inactive; reactivate it before quoting")
    if end_customer_id is not None and session.get(EndCustomer, end_customer_id) is None:
        raise NotFoundError(f"end customer {end_customer_id} not found")
    today = on or utcnow().date()
    until = valid_until or today + timedelta(days=DEFAULT_VALID_DAYS)
    if until < today:
        raise invalid("quote", "valid_until", f"{until} is in the past; give a future date")
    quote = _new_quote(
        session,
        actor,
        partner,
        currency=currency,
        end_customer_id=end_customer_id,
        deal_id=deal_id,
        valid_until=until,
    )
    price_into(session, quote, lines, header=header_discount, rules=rules, on=today)
    record_audit(
        session,
        actor,
        "create_quote",
        "quote",
        quote.id,
        {"number": quote.number, "net_total": quote.net_total, "deal_id": deal_id},
        partner_id=partner_id,
    )
    quote_changed(session, quote, "created")
    return quote


@transactional
def create_quote_from_deal(
    deal_id: int,
    lines: Sequence[QuoteLineInput],
    *,
    session: Session,
    actor: Actor,
    valid_until: date | None = None,
    rules: RuleSet | None = None,
    on: date | None = None,
) -> Quote:
    """Create a quote for a deal's partner, end customer and currency (the CRM sync calls this)."""
    deal = session.get(Deal, deal_id)
    if deal is None or deal.deleted_in_crm:
        raise NotFoundError(f"deal {deal_id} not found")
    if deal.partner_id is None:
        raise invalid(
            f"deal {deal.source}:{deal.crm_id}",
            "partner_id",
            "has no partner; assign one in the CRM",
        )
    require_quote_author(actor, deal.partner_id, action="create quotes")
    return create_quote(
        deal.partner_id,
        lines,
        session=session,
        actor=actor,
        end_customer_id=deal.end_customer_id,
        currency=deal.currency,
        valid_until=valid_until,
        rules=rules,
        deal_id=deal_id,
        on=on,
    )


@transactional
def update_quote(
    quote_id: int,
    lines: Sequence[QuoteLineInput],
    *,
    session: Session,
    actor: Actor,
    header_discount: HeaderDiscount | None = None,
    valid_until: date | None = None,
    rules: RuleSet | None = None,
    on: date | None = None,
) -> Quote:
    """Change a quote's lines (and optionally its valid-until date) in place and re-price it.

    A changed content hash on a pending or approved quote withdraws its approvals and sends it
    back to pending_approval with fresh requests bound to the new content.
    """
    quote = load_quote(session, actor, quote_id, lock=True)
    require_quote_author(actor, quote.partner_id, action="edit quotes")
    if quote.state not in EDITABLE:
        raise DomainError(
            f"quote {label(quote)} is {quote.state} and can no longer be edited; revise it instead"
        )
    before = quote.content_hash
    today = on or utcnow().date()
    if valid_until is not None:
        if valid_until < today:
            raise invalid(f"quote {label(quote)}", "valid_until", f"{valid_until} is in the past")
        quote.valid_until = valid_until
    price_into(session, quote, lines, header=header_discount, rules=rules, on=today)
    quote.updated_at = utcnow()
    record_audit(
        session,
        actor,
        "update_quote",
        "quote",
        quote.id,
        {"content_hash": [before, quote.content_hash], "net_total": quote.net_total},
        partner_id=quote.partner_id,
    )
    if quote.state != QuoteState.DRAFT and quote.content_hash != before:
        restart_approval(session, quote, actor, reason="the quote changed after approval was asked")
    quote_changed(session, quote, "updated")
    return quote


@transactional
def revise_quote(
    quote_id: int,
    lines: Sequence[QuoteLineInput] | None = None,
    *,
    session: Session,
    actor: Actor,
    valid_until: date | None = None,
    rules: RuleSet | None = None,
    on: date | None = None,
) -> Quote:
    """Create version n+1 (a draft, re-priced, no approvals) and supersede version n."""
    old = load_quote(session, actor, quote_id, lock=True)
    require_quote_author(actor, old.partner_id, action="revise quotes")
    latest = session.exec(
        select(Quote).where(Quote.number == old.number).order_by(col(Quote.version).desc())
    ).first()
    if latest is not None and latest.id != old.id:
        raise DomainError(
            f"quote {label(old)} was already revised as v{latest.version}; revise the latest version"
        )
    check_transition(label(old), old.state, QuoteState.SUPERSEDED)
    today = on or utcnow().date()
    partner = session.get(Partner, old.partner_id)
    assert partner is not None
    new = _new_quote(
        session,
        actor,
        partner,
        currency=old.currency,
        end_customer_id=old.end_customer_id,
        deal_id=old.deal_id,
        valid_until=valid_until or max(old.valid_until, today + timedelta(days=DEFAULT_VALID_DAYS)),
        number=old.number,
        version=old.version + 1,
    )
    old_lines, header = cart_of(old)
    price_into(session, new, lines or old_lines, header=header, rules=rules, on=today)
    withdraw_requests(session, old)
    old.state = QuoteState.SUPERSEDED
    old.superseded_by_id = new.id
    old.updated_at = utcnow()
    session.add(old)
    record_audit(
        session,
        actor,
        "revise_quote",
        "quote",
        old.id,
        {"superseded_by": new.id, "version": [old.version, new.version]},
        partner_id=old.partner_id,
    )
    quote_changed(session, new, "revised", previous_version=old.version)
    return new


@transactional
def copy_quote(quote_id: int, *, session: Session, actor: Actor, on: date | None = None) -> Quote:
    """A new quote (new number, version 1, draft) with the same cart; approvals are never copied."""
    source = load_quote(session, actor, quote_id)
    lines, header = cart_of(source)
    copy = create_quote(
        source.partner_id,
        lines,
        session=session,
        actor=actor,
        end_customer_id=source.end_customer_id,
        currency=source.currency,
        header_discount=header,
        deal_id=source.deal_id,
        on=on,
    )
    copy.copied_from_id = source.id
    session.add(copy)
    session.flush()
    return copy


@transactional
def get_quote(quote_id: int, *, session: Session, actor: Actor) -> Quote:
    """One quote version (partner actors see only their own)."""
    return load_quote(session, actor, quote_id)


@transactional
def get_quote_by_number(
    number: str, *, session: Session, actor: Actor, version: int | None = None
) -> Quote:
    """A quote by number: the given version, or the latest.

    A version the quote does not have is refused naming the versions it has; another partner's
    quote is simply not found.
    """
    stmt = select(Quote.version, Quote.id, Quote.partner_id).where(Quote.number == number)
    rows = session.exec(stmt.order_by(col(Quote.version))).all()
    if not rows:
        raise NotFoundError(f"quote {number} not found")
    ids = {int(v): (i, p) for v, i, p in rows}
    latest = max(ids)
    require_partner_access(actor, ids[latest][1], what=f"quote {number}")
    wanted = latest if version is None else version
    if wanted not in ids:
        have = ", ".join(str(v) for v in sorted(ids))
        raise NotFoundError(
            f"quote {number} has no version {version}: its versions are {have}; "
            "ask for one of those, or for no version to get the latest"
        )
    quote_id = ids[wanted][0]
    assert quote_id is not None
    return load_quote(session, actor, quote_id)


@transactional
def list_quotes(
    *, session: Session, actor: Actor, partner_id: int | None = None, state: str | None = None
) -> list[Quote]:
    """Quotes visible to the actor, newest first (a partner actor sees only its own)."""
    scope = partner_scope(actor, partner_id)
    stmt = select(Quote)
    if scope is not None:
        stmt = stmt.where(Quote.partner_id == scope)
    if state is not None:
        stmt = stmt.where(Quote.state == state)
    return list(session.exec(stmt.order_by(col(Quote.id).desc())))


@transactional
def quote_lines(quote_id: int, *, session: Session, actor: Actor) -> list[QuoteLine]:
    """The priced lines of one quote version."""
    load_quote(session, actor, quote_id)
    stmt = select(QuoteLine).where(QuoteLine.quote_id == quote_id).order_by(col(QuoteLine.line_no))
    return list(session.exec(stmt))
