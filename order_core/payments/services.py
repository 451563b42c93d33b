"""Payment methods: which ones a partner may use for a country and currency, and card tokens on file.

Card details never reach the core: a card is registered as the payment processor's token reference
(plus brand / last four / expiry for display). Anything that looks like a card number is refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlmodel import Session, col, or_, select

from order_core.actors import Actor, require_partner_access, require_partner_role, require_vendor
from order_core.audit import record_audit
from order_core.errors import AccessDenied, NotFoundError, invalid
from order_core.partners.models import Partner
from order_core.payments.models import PAYMENT_METHODS, CardToken, PaymentMethodRule
from order_core.tx import transactional

_DIGITS = re.compile(r"\d{12,19}")


def _codes(values: list[str] | tuple[str, ...] | None) -> str:
    return ",".join(sorted({v.strip().upper() for v in values or () if v.strip()}))


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def looks_like_card_number(text: str) -> bool:
    """True when ``text`` contains a 12-19 digit run passing the Luhn check (a card number)."""
    compact = re.sub(r"[\s-]", "", text)
    return any(_luhn_ok(m.group()) for m in _DIGITS.finditer(compact))


@transactional
def allow_payment_method(
    method: str,
    *,
    session: Session,
    actor: Actor,
    partner_id: int | None = None,
    countries: list[str] | None = None,
    currencies: list[str] | None = None,
    locale: str | None = None,
    label: str = "",
) -> PaymentMethodRule:
    """Allow ``method`` for one partner (or all) in the given countries / currencies (empty = any)."""
    require_vendor(actor, action="configure payment methods")
    if method not in PAYMENT_METHODS:
        raise invalid(
            "payment method rule", "method", f"{method!r} is not one of {list(PAYMENT_METHODS)}"
        )
    if partner_id is not None and session.get(Partner, partner_id) is None:
        raise NotFoundError(f"partner {partner_id} not found")
    rule = PaymentMethodRule(
        partner_id=partner_id,
        method=method,
        countries=_codes(countries),
        currencies=_codes(currencies),
        locale=locale,
        label=label or method.replace("_", " "),
    )
    session.add(rule)
    session.flush()
    record_audit(
        session,
        actor,
        "allow_payment_method",
        "payment_method_rule",
        rule.id,
        rule.model_dump(),
        partner_id=partner_id,
    )
    return rule


def _rules_for(session: Session, partner_id: int) -> list[PaymentMethodRule]:
    rules = list(
        session.exec(
            select(PaymentMethodRule).where(
                col(PaymentMethodRule.active).is_(True),
                or_(
                    PaymentMethodRule.partner_id == partner_id,
                    col(PaymentMethodRule.partner_id).is_(None),
                ),
            )
        )
    )
    # Partner-specific rules replace the vendor-wide defaults for that partner.
    own = [r for r in rules if r.partner_id == partner_id]
    return own or rules


def _matches(rule: PaymentMethodRule, country: str, currency: str, locale: str) -> bool:
    countries = rule.countries.split(",") if rule.countries else []
    currencies = rule.currencies.split(",") if rule.currencies else []
    return (
        (not countries or country.upper() in countries)
        and (not currencies or currency.upper() in currencies)
        and (rule.locale is None or rule.locale == locale)
    )


def methods_allowed(session: Session, partner: Partner, currency: str) -> list[str]:
    """The payment methods ``partner`` may use for ``currency`` in its country and locale (no access check)."""
    assert partner.id is not None
    rules = _rules_for(session, partner.id)
    found = {r.method for r in rules if _matches(r, partner.country, currency, partner.locale)}
    return [m for m in PAYMENT_METHODS if m in found]


def check_payment_method(
    session: Session,
    partner: Partner,
    method: str,
    currency: str,
    card_token_id: int | None,
    *,
    allowed: Sequence[str] | None = None,
) -> CardToken | None:
    """Refuse a method the partner may not use here (message lists the allowed ones); return the card if any.

    ``allowed`` is ``methods_allowed`` for the partner and currency when the caller already knows it.
    """
    if allowed is None:
        allowed = methods_allowed(session, partner, currency)
    if method not in allowed:
        raise invalid(
            f"order of partner {partner.name}",
            "payment_method",
            f"{method!r} is not allowed in country {partner.country} with currency {currency}; "
            f"allowed: {', '.join(allowed) or 'none (ask the vendor to configure a payment method)'}",
        )
    if method != "card":
        return None
    card = session.get(CardToken, card_token_id) if card_token_id is not None else None
    if card is None or card.partner_id != partner.id or not card.active:
        raise invalid(
            f"order of partner {partner.name}",
            "card_token_id",
            "name an active card on file of this partner (register_card_token first)",
        )
    return card


@transactional
def payment_methods_for(
    partner_id: int, currency: str, *, session: Session, actor: Actor
) -> list[str]:
    """The payment methods a partner's buyer may choose at checkout for ``currency``."""
    require_partner_access(actor, partner_id, what=f"partner {partner_id}")
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFoundError(f"partner {partner_id} not found")
    return methods_allowed(session, partner, currency)


@transactional
def register_card_token(
    partner_id: int,
    token_ref: str,
    *,
    session: Session,
    actor: Actor,
    brand: str = "",
    last4: str = "",
    expires: str = "",
) -> CardToken:
    """Keep a processor token for a partner's card (partner admin or vendor admin); never a card number."""
    require_partner_role(actor, partner_id, "admin", action="register cards")
    if session.get(Partner, partner_id) is None:
        raise NotFoundError(f"partner {partner_id} not found")
    if looks_like_card_number(token_ref) or looks_like_card_number(brand):
        raise AccessDenied(
            "card numbers are never stored; register the payment processor's token reference instead"
        )
    if not token_ref.strip() or (last4 and not re.fullmatch(r"\d{4}", last4)):
        raise invalid(
            "card token", "token_ref/last4", "give the processor token and only the last 4 digits"
        )
    card = CardToken(
        partner_id=partner_id,
        token_ref=token_ref.strip(),
        brand=brand,
        last4=last4,
        expires=expires,
    )
    session.add(card)
    session.flush()
    record_audit(
        session,
        actor,
        "register_card_token",
        "card_token",
        card.id,
        {"brand": brand, "last4": last4},
        partner_id=partner_id,
    )
    return card
