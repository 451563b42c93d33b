"""Who a notification goes to: addresses as given, partner users by role, vendor staff from the directory.

An entry of an event's ``to`` is an e-mail address, ``role:<vendor role>`` (every active vendor
user holding it), ``partner-role:<role>`` (the event's partner's active buyers with that role) or a
vendor user's login. One that names nobody is an error: the event is not sent and keeps the error.
"""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from order_core.errors import DomainError
from order_core.outbox import OutboxEvent
from order_core.partners.models import Buyer
from order_core.staff.services import email_of_login, emails_for_role

_ADDRESS = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+$")


class UnresolvedRecipient(DomainError):
    """A notification names a recipient nobody answers to (no such role holder, user or address)."""


def _partner_role(session: Session, partner_id: int | None, role: str) -> list[str]:
    if partner_id is None:
        raise UnresolvedRecipient(f"recipient 'partner-role:{role}' needs the event's partner")
    buyers = session.exec(
        select(Buyer)
        .where(Buyer.partner_id == partner_id, Buyer.role == role, col(Buyer.active).is_(True))
        .order_by(col(Buyer.id))
    )
    found = [b.email for b in buyers]
    if not found:
        raise UnresolvedRecipient(
            f"recipient 'partner-role:{role}': partner {partner_id} has no active buyer with "
            f"role {role}; add one (or give the role to a buyer)"
        )
    return found


def _one(session: Session, event: OutboxEvent, entry: str) -> list[str]:
    if entry.startswith("role:"):
        role = entry.removeprefix("role:")
        found = emails_for_role(session, role)
        if not found:
            raise UnresolvedRecipient(
                f"recipient {entry!r}: no active vendor user holds role {role}; add one to the "
                "vendor staff directory (vendor_users in the catalog file)"
            )
        return found
    if entry.startswith("partner-role:"):
        return _partner_role(session, event.partner_id, entry.removeprefix("partner-role:"))
    if _ADDRESS.match(entry):
        return [entry]
    email = email_of_login(session, entry)
    if email is None:
        raise UnresolvedRecipient(
            f"recipient {entry!r} is neither an e-mail address, a role nor an active vendor user; "
            "add the user to the vendor staff directory"
        )
    return [email]


def resolve_recipients(session: Session, event: OutboxEvent) -> list[str]:
    """The e-mail addresses of every recipient of ``event``, each once, in order.

    UnresolvedRecipient names the first entry that resolves to nobody (nothing is sent then).
    """
    entries = [str(e).strip() for e in event.data().get("to", []) if str(e).strip()]
    if not entries:
        raise UnresolvedRecipient("the notification names no recipient")
    found: list[str] = []
    for entry in entries:
        found.extend(_one(session, event, entry))
    return list(dict.fromkeys(found))
