"""Delivering ``notify.email`` outbox events by SMTP (stdlib smtplib, server from settings).

Each event is one message to its recipients. A delivery that fails is retried later with backoff
and becomes a dead letter after the outbox's attempt limit; the error kept never holds the password.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlmodel import Session

from order_core.outbox import OutboxEvent, mark_delivered, mark_failed, pending_events
from order_core.settings import CoreSettings, get_settings

TOPIC = "notify.email"


@dataclass(frozen=True)
class DeliveryReport:
    """What one delivery run did."""

    sent: int
    failed: int
    recipients: int


def build_message(event: OutboxEvent, sender: str) -> EmailMessage:
    """The e-mail for one notification event."""
    data = event.data()
    to = [str(a) for a in data.get("to", [])]
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = str(data.get("subject", "channelsync notification"))
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(idstring=f"outbox-{event.id}", domain="channelsync")
    msg["X-Channelsync-Event"] = str(event.id)
    msg.set_content(str(data.get("body", "")))
    return msg


def _connect(settings: CoreSettings) -> smtplib.SMTP:
    client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
    if settings.smtp_starttls:
        client.starttls()
    if settings.smtp_username:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
        client.login(settings.smtp_username, password)
    return client


def deliver_pending_notifications(
    session: Session, settings: CoreSettings | None = None, *, limit: int = 100
) -> DeliveryReport:
    """Send due ``notify.email`` events (up to ``limit``) and commit their new status.

    One SMTP connection per run. If the server cannot be reached every event of the batch is
    marked failed (retried later); a refused recipient fails only its own event.
    """
    cfg = settings or get_settings()
    events = pending_events(session, TOPIC, limit=limit)
    if not events:
        session.commit()
        return DeliveryReport(0, 0, 0)
    sent: list[OutboxEvent] = []
    failed = 0
    recipients = 0
    try:
        client = _connect(cfg)
    except (OSError, smtplib.SMTPException) as exc:
        for event in events:
            mark_failed(
                session,
                event,
                f"SMTP {cfg.smtp_host}:{cfg.smtp_port} unreachable: {type(exc).__name__}",
            )
        session.commit()
        return DeliveryReport(0, len(events), 0)
    try:
        for event in events:
            message = build_message(event, cfg.mail_from)
            to = [a.strip() for a in str(message["To"]).split(",") if a.strip()]
            if not to:
                mark_failed(session, event, "notification has no recipients", max_attempts=1)
                failed += 1
                continue
            try:
                client.send_message(message, from_addr=cfg.mail_from, to_addrs=to)
            except smtplib.SMTPException as exc:
                mark_failed(session, event, f"SMTP refused: {type(exc).__name__}: {exc}"[:500])
                failed += 1
                continue
            sent.append(event)
            recipients += len(to)
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    mark_delivered(session, sent)
    session.commit()
    return DeliveryReport(len(sent), failed, recipients)
