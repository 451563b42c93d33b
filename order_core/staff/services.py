"""The vendor staff directory: add or change users (vendor admin), list them, find them by role or login."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlmodel import Session, col, select

from order_core.actors import VENDOR_ROLES, Actor, require_vendor
from order_core.audit import diff, record_audit
from order_core.errors import Problem, ValidationFailed
from order_core.staff.models import VendorUser
from order_core.tx import transactional

_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


def _roles_text(login: str, roles: Iterable[str], problems: list[Problem]) -> str:
    names = [r.strip() for r in roles if r.strip()]
    unknown = sorted(set(names) - VENDOR_ROLES)
    if unknown:
        problems.append(
            Problem(
                f"vendor user {login}", "roles", f"unknown {unknown}; use {sorted(VENDOR_ROLES)}"
            )
        )
    if not names:
        problems.append(Problem(f"vendor user {login}", "roles", "give at least one role"))
    return ",".join(dict.fromkeys(names))


@transactional
def set_vendor_user(
    login: str,
    *,
    session: Session,
    actor: Actor,
    name: str,
    email: str,
    roles: Iterable[str],
    active: bool = True,
) -> VendorUser:
    """Add a vendor user or change one (matched by ``login``): name, e-mail, roles, active flag."""
    require_vendor(actor, action="change the vendor staff directory")
    where = f"vendor user {login or '?'}"
    problems: list[Problem] = []
    if not login.strip():
        problems.append(Problem(where, "login", "is empty; give the name the user signs in with"))
    if not name.strip():
        problems.append(Problem(where, "name", "is empty"))
    address = email.strip().lower()
    if not _EMAIL.match(address):
        problems.append(Problem(where, "email", f"{email!r} is not an e-mail address"))
    role_text = _roles_text(login, roles, problems)
    if problems:
        raise ValidationFailed(f"{where} is not valid", problems)
    user = session.exec(select(VendorUser).where(VendorUser.login == login.strip())).first()
    before = user.model_dump() if user is not None else {}
    if user is None:
        user = VendorUser(login=login.strip(), name=name, email=address)
    user.name, user.email, user.roles, user.active = name.strip(), address, role_text, active
    session.add(user)
    session.flush()
    changes = diff(before, user.model_dump())
    if changes:
        record_audit(session, actor, "set_vendor_user", "vendor_user", user.id, changes)
    return user


@transactional
def list_vendor_users(*, session: Session, actor: Actor) -> list[VendorUser]:
    """Every vendor user, active or not, by login (vendor staff only)."""
    require_vendor(actor, "sales_ops", action="read the vendor staff directory")
    return list(session.exec(select(VendorUser).order_by(col(VendorUser.login))))


def emails_for_role(session: Session, role: str) -> list[str]:
    """E-mail addresses of the active vendor users holding ``role`` (for notifications)."""
    users = session.exec(
        select(VendorUser).where(col(VendorUser.active).is_(True)).order_by(col(VendorUser.id))
    )
    return [u.email for u in users if role in u.roles.split(",")]


def email_of_login(session: Session, login: str) -> str | None:
    """The e-mail address of the active vendor user signing in as ``login``, or None."""
    user = session.exec(
        select(VendorUser).where(VendorUser.login == login, col(VendorUser.active).is_(True))
    ).first()
    return user.email if user is not None else None
