"""Who may do what with a quote: partner isolation and the roles quote actions need."""

from __future__ import annotations

from sqlmodel import Session

from order_core.actors import Actor, require_partner_access, require_vendor
from order_core.errors import NotFoundError
from order_core.quotes.models import Quote


def require_quote_author(actor: Actor, partner_id: int, *, action: str) -> None:
    """A buyer of this partner, or vendor sales ops (vendor admins and the system included)."""
    if actor.is_vendor_side:
        require_vendor(actor, "sales_ops", action=action)
        return
    require_partner_access(actor, partner_id, what=f"partner {partner_id}")


def load_quote(session: Session, actor: Actor, quote_id: int, *, lock: bool = False) -> Quote:
    """The quote version ``quote_id``; another partner's quote is simply not found.

    ``lock`` takes the row lock (PostgreSQL ``FOR UPDATE``; SQLite serialises writers anyway) so
    two concurrent decisions on one quote run one after the other on fresh data.
    """
    quote = (
        session.get(Quote, quote_id, with_for_update=True, populate_existing=True)
        if lock
        else session.get(Quote, quote_id)
    )
    if quote is None:
        raise NotFoundError(f"quote {quote_id} not found")
    require_partner_access(actor, quote.partner_id, what=f"quote {quote_id}")
    return quote


def label(quote: Quote) -> str:
    """How messages name a quote version: ``Q-000001 v2``."""
    return f"{quote.number} v{quote.version}"
