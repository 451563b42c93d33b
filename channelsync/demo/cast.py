"""Who plays which part in the demo: a deal's partner, its buyers, the end customer, vendor staff.

The partner's credit terms (a line of credit as payment method, and the line itself) are set up
once and reused on later runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session

from order_core.actors import Actor
from order_core.credit.services import CreditStatus, get_credit_status, set_credit_line
from order_core.customers.models import EndCustomer
from order_core.errors import DomainError, NotFoundError
from order_core.partners.buyers import buyer_actor
from order_core.partners.models import Buyer, Partner
from order_core.payments.services import allow_payment_method, payment_methods_for

CREDIT_LIMIT = Decimal("100000.00")

READER = Actor.system("demo")
ACCEPTANCE_LINK = Actor.system("acceptance-link")
CHANNEL_ADMIN = Actor.vendor("channel.admin@vendor.example", "admin")
SALES_OPS = Actor.vendor("sales.ops@vendor.example", "sales_ops")
FINANCE = Actor.vendor("finance@vendor.example", "finance")
CREDIT_CONTROLLER = Actor.vendor("credit.desk@vendor.example", "credit_controller")


def vendor_staff(role: str) -> Actor:
    """A vendor employee holding exactly ``role`` (e.g. ``pricing_desk``)."""
    return Actor.vendor(f"{role.replace('_', '.')}@vendor.example", role)


@dataclass(frozen=True)
class Cast:
    """The sample partner, the buyer who quotes and orders, its other buyers and the end customer."""

    partner: Partner
    buyer: Buyer
    buyers: tuple[Buyer, ...]
    customer: EndCustomer

    @property
    def partner_id(self) -> int:
        """The partner's id."""
        assert self.partner.id is not None
        return self.partner.id

    def buyer_actor(self, session: Session) -> Actor:
        """The quoting / ordering buyer as an actor (refused if the buyer was deactivated)."""
        assert self.buyer.id is not None
        return buyer_actor(session, self.buyer.id)

    def partner_approver(self, session: Session, role: str, buyer_id: int | None = None) -> Actor:
        """The named partner approver ``buyer_id``, else a buyer holding ``role`` (or admin).

        Never the quoting buyer: nobody approves their own quote or order.
        """
        if buyer_id is not None and buyer_id != self.buyer.id:
            return buyer_actor(session, buyer_id)
        for wanted in (role, "admin"):
            for candidate in self.buyers:
                if candidate.role == wanted and candidate.id not in (None, self.buyer.id):
                    return buyer_actor(session, candidate.id)
        raise DomainError(
            f"partner {self.partner.name} has no active buyer with role {role} to approve; "
            "add one to the sample catalog"
        )


def ensure_credit_terms(session: Session, cast: Cast) -> CreditStatus:
    """Let the partner pay by line of credit and open the line, unless an earlier run did; its status."""
    currency = cast.partner.currency
    methods = payment_methods_for(cast.partner_id, currency, session=session, actor=READER)
    if "credit_line" not in methods:
        allow_payment_method(
            "credit_line",
            session=session,
            actor=CHANNEL_ADMIN,
            partner_id=cast.partner_id,
            currencies=[currency],
            label="line of credit",
        )
    try:
        return get_credit_status(cast.partner_id, session=session, actor=READER)
    except NotFoundError:
        return set_credit_line(
            cast.partner_id, CREDIT_LIMIT, currency, session=session, actor=CREDIT_CONTROLLER
        )
