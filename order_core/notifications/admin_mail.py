"""A plain-text mail to the vendor admins: what the orchestrator sends when a run fails."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlmodel import Session

from order_core.errors import DomainError
from order_core.notifications.delivery import _connect, _connect_error
from order_core.settings import CoreSettings, get_settings
from order_core.staff.services import emails_for_role


class AdminMailNotSent(DomainError):
    """The admins could not be mailed (no recipient, or the SMTP server refused or is down)."""


def mail_admins(
    subject: str,
    body: str,
    *,
    session: Session,
    settings: CoreSettings | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """Mail every active vendor admin (and the ``extra`` addresses); returns the recipients.

    The recipients are read in a transaction that ends before the SMTP conversation; an error
    names the server, never a credential.
    """
    cfg = settings or get_settings()
    to = sorted({*emails_for_role(session, "admin"), *extra})
    session.rollback()
    if not to:
        raise AdminMailNotSent(
            "no admin to mail: add a vendor user with the admin role (the catalog file's vendor users) or "
            "set CHANNELSYNC_DAGSTER_ADMIN_EMAILS"
        )
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = cfg.mail_from, ", ".join(to), subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain="channelsync")
    msg.set_content(body)
    try:
        client = _connect(cfg)
        try:
            client.send_message(msg, from_addr=cfg.mail_from, to_addrs=to)
        finally:
            client.quit()
    except (OSError, smtplib.SMTPException) as exc:
        raise AdminMailNotSent(_connect_error(cfg, exc)) from None
    return to
