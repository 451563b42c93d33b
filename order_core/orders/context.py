"""What a checkout knows about the ordering buyer and the partner, remembered per catalog stamp.

Every order of a buyer asks the same questions: is the buyer active and the partner active, which
program applies, which end-customer fields the programs require, which payment methods the partner
may use in a currency. The answers depend only on the partner read model, so they are remembered
per catalog stamp (``order_core.catalog.snapshot``) and a checkout pays one stamp read for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from order_core.actors import Actor
from order_core.catalog.snapshot import detached_copy, remembered
from order_core.customers.requirements import fields_required_by
from order_core.errors import AccessDenied
from order_core.orders.access import ordering_buyer
from order_core.partners.models import Buyer, Partner
from order_core.partners.programs import active_programs
from order_core.payments.services import methods_allowed


@dataclass(frozen=True)
class BuyerContext:
    """The ordering buyer, its partner and the partner's checkout rules (copies no session owns)."""

    partner: Partner
    buyer: Buyer
    currency: str
    program: str
    required_customer_fields: dict[str, list[str]]
    payment_methods: tuple[str, ...]


def buyer_context(session: Session, actor: Actor, currency: str | None, on: date) -> BuyerContext:
    """The checkout context of the acting buyer for orders in ``currency`` (default: the partner's).

    AccessDenied when the actor is not an active buyer of an active partner (never remembered).
    """
    if actor.kind != "partner" or actor.buyer_id is None or actor.partner_id is None:
        ordering_buyer(session, actor)  # raises the refusal
    buyer_id = actor.buyer_id

    def compute() -> BuyerContext:
        partner, _ = ordering_buyer(session, actor)
        buyer = session.get(Buyer, buyer_id)
        if buyer is None:  # pragma: no cover - ordering_buyer refuses unknown buyers
            raise AccessDenied(f"{actor.user} is not an authorized buyer")
        assert partner.id is not None
        programs = active_programs(session, partner.id, on)
        code = (currency or partner.currency).upper()
        return BuyerContext(
            partner=detached_copy(partner),
            buyer=detached_copy(buyer),
            currency=code,
            program=programs[0].code if programs else "",
            required_customer_fields=fields_required_by(programs),
            payment_methods=tuple(methods_allowed(session, partner, code)),
        )

    return remembered(session, ("buyer_context", buyer_id, actor.partner_id, currency, on), compute)
