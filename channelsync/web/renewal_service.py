"""The interface the self-renew page is built against (the renewal service of issue 15 provides it).

The renewal notice e-mails the end customer ``{public base URL}/renewals/{reference}?token=...``.
The page calls ``renewal_view`` to show the renewal (the renewal quote at resale prices, what it
renews, its state) and ``renew`` when the customer confirms. As with quote links, only the
token's HMAC is stored, every token that matches nothing raises the same ``NotFoundError``, and
``renew`` takes a row lock so a double submit renews once (``ConflictError`` the second time,
saying plainly that it was already renewed). Until a service is given to the app, the page
answers that self-renewal is not available yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from sqlmodel import Session

from order_core.actors import Actor
from quote_engine.documents import QuoteDocument


class RenewalState(StrEnum):
    """What the end customer can do with a renewal link."""

    OPEN = "open"
    RENEWED = "renewed"
    CLOSED = "closed"  # lapsed, cancelled, replaced by a newer notice: ``message`` says which


@dataclass(frozen=True)
class RenewalView:
    """The end customer's view of a renewal: resale prices only."""

    state: RenewalState
    message: str
    subscription: str
    current_term_ends: date
    new_term_ends: date
    document: QuoteDocument


class RenewalService(Protocol):
    """The renewal service as the self-renew page calls it (one transaction per call)."""

    def renewal_view(
        self, reference: str, token: str, *, session: Session, actor: Actor
    ) -> RenewalView:
        """The renewal a link opens; NotFoundError for any token that matches nothing."""
        ...

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
        """Renew as the customer confirmed; ConflictError saying why when it is not open."""
        ...
