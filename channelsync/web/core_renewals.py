"""The self-renew page's service: ``order_core.renewals`` behind the page's ``RenewalService`` interface."""

from __future__ import annotations

from sqlmodel import Session

from channelsync.web.renewal_service import RenewalState, RenewalView
from order_core.actors import Actor
from order_core.renewals.self_renew import CustomerRenewal, customer_renewal, renew_by_link


def _view(found: CustomerRenewal) -> RenewalView:
    return RenewalView(
        state=RenewalState(found.state),
        message=found.message,
        subscription=found.subscription,
        current_term_ends=found.current_term_ends,
        new_term_ends=found.new_term_ends,
        document=found.document,
    )


class CoreRenewals:
    """Renewal links answered by the order core (token HMACs, row lock, one transaction a call)."""

    def renewal_view(
        self, reference: str, token: str, *, session: Session, actor: Actor
    ) -> RenewalView:
        """The renewal a link opens; NotFoundError for any token that matches nothing."""
        return _view(customer_renewal(reference, token, session=session, actor=actor))

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
        found = renew_by_link(
            reference, token, name=name, email=email, po_number=po_number,
            session=session, actor=actor,
        )  # fmt: skip
        return _view(found)
