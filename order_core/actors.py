"""Who is acting: vendor staff, a partner's authorized buyer, or the system (sync jobs), and what they may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from order_core.errors import AccessDenied, NotFoundError

ActorKind = Literal["vendor", "partner", "system"]
VENDOR_ROLES = frozenset(
    {"admin", "sales_ops", "pricing_desk", "credit_controller", "vp_sales", "finance"}
)
PARTNER_ROLES = frozenset({"buyer", "approver", "admin"})


@dataclass(frozen=True)
class Actor:
    """The acting user of a service call.

    A partner actor always carries ``partner_id`` and ``buyer_id``; the services resolve it from an
    active authorized buyer (see ``order_core.partners.buyer_actor``) so a deactivated buyer cannot act.
    """

    user: str
    kind: ActorKind
    roles: frozenset[str] = field(default_factory=frozenset)
    partner_id: int | None = None
    buyer_id: int | None = None

    @classmethod
    def vendor(cls, user: str, *roles: str) -> Actor:
        """Vendor staff with the given roles (default ``admin``)."""
        chosen = frozenset(roles or ("admin",))
        unknown = chosen - VENDOR_ROLES
        if unknown:
            raise ValueError(
                f"unknown vendor role(s) {sorted(unknown)}; use {sorted(VENDOR_ROLES)}"
            )
        return cls(user=user, kind="vendor", roles=chosen)

    @classmethod
    def system(cls, name: str = "channelsync") -> Actor:
        """The sync engine / scheduled jobs: vendor-wide, recorded by name in the audit log."""
        return cls(user=f"system:{name}", kind="system", roles=frozenset({"admin"}))

    @property
    def is_vendor_side(self) -> bool:
        """Vendor staff or the system."""
        return self.kind in ("vendor", "system")

    def has_role(self, role: str) -> bool:
        """True when the actor holds ``role`` (vendor admins hold every vendor role)."""
        if self.kind in ("vendor", "system") and "admin" in self.roles:
            return role in VENDOR_ROLES or role in PARTNER_ROLES
        return role in self.roles


def require_vendor(actor: Actor, role: str = "admin", *, action: str) -> None:
    """Refuse unless the actor is vendor staff (or the system) holding ``role``."""
    if not actor.is_vendor_side or not actor.has_role(role):
        raise AccessDenied(f"{actor.user} may not {action}: it needs the vendor role '{role}'")


def require_partner_access(actor: Actor, partner_id: int, *, what: str) -> None:
    """Refuse a partner actor any record of another partner.

    The refusal is a NotFoundError naming only the requested record, so a buyer cannot probe for
    other partners' data; vendor-side actors see every partner.
    """
    if actor.is_vendor_side:
        return
    if actor.partner_id != partner_id:
        raise NotFoundError(f"{what} not found")


def require_partner_role(actor: Actor, partner_id: int, role: str, *, action: str) -> None:
    """A partner actor of this partner with ``role`` (partner admins hold every partner role), or vendor admin."""
    if actor.is_vendor_side:
        require_vendor(actor, "admin", action=action)
        return
    require_partner_access(actor, partner_id, what=f"partner {partner_id}")
    if role not in actor.roles and "admin" not in actor.roles:
        raise AccessDenied(f"{actor.user} may not {action}: it needs the partner role '{role}'")


def partner_scope(actor: Actor, partner_id: int | None) -> int | None:
    """The partner a query must be limited to: the actor's own for partner actors, else ``partner_id``."""
    if actor.is_vendor_side:
        return partner_id
    if partner_id is not None and partner_id != actor.partner_id:
        raise NotFoundError(f"partner {partner_id} not found")
    return actor.partner_id
