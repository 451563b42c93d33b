"""Delivering ``notify.email`` outbox events by SMTP (stdlib smtplib, server from settings).

Each event is one message to its recipients. A delivery that fails is retried later with backoff
and becomes a dead letter after the outbox's attempt limit; the error kept never holds the password.
The events are leased in one short transaction and their outcomes recorded in another: no
database transaction is open during the SMTP conversation.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlmodel import Session

from order_core.outbox import OutboxEvent
from order_core.outbox.leases import drainer_name, lease_events, record_outcomes
from order_core.outbox.outcomes import Outcome
from order_core.settings import CoreSettings, get_settings

TOPIC = "notify.email"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryReport:
    """What one delivery run did."""

    sent: int
    failed: int
    recipients: int
    error: str | None = None
    """Why the first failed message was not sent (no credentials in it); None when none failed."""


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


def _tls_context(settings: CoreSettings) -> ssl.SSLContext:
    """The client TLS context for the SMTP server: certificate and host name always verified.

    Trusts ``smtp_ca_file`` alone when it is set, otherwise the system CA store.
    """
    return ssl.create_default_context(cafile=settings.smtp_ca_file)


def _connect(settings: CoreSettings) -> smtplib.SMTP:
    context = _tls_context(settings) if settings.smtp_ssl or settings.smtp_starttls else None
    client: smtplib.SMTP
    if settings.smtp_ssl:
        client = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=30, context=context
        )
    else:
        client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
    try:
        if settings.smtp_starttls:
            client.starttls(context=context)
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            client.login(settings.smtp_username, password)
    except BaseException:
        client.close()
        raise
    return client


def _connect_error(settings: CoreSettings, exc: Exception) -> str:
    # Only the exception type and texts made on this side: a server reply might echo credentials.
    where = f"SMTP {settings.smtp_host}:{settings.smtp_port}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        ca = settings.smtp_ca_file or "the system CA store"
        return f"{where} TLS certificate not trusted ({exc.verify_message}; trusted: {ca})"
    if isinstance(exc, ssl.SSLError):
        return f"{where} TLS handshake failed: {type(exc).__name__} ({exc.reason})"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"{where} login refused for user {settings.smtp_username!r} (code {exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"{where} does not support what was asked: {exc}"
    if isinstance(exc, FileNotFoundError) and settings.smtp_ca_file:
        return f"{where} not tried: CA file {settings.smtp_ca_file!r} not found"
    return f"{where} unreachable: {type(exc).__name__}"


def deliver_pending_notifications(
    session: Session, settings: CoreSettings | None = None, *, limit: int = 100
) -> DeliveryReport:
    """Send due ``notify.email`` events (up to ``limit``) and commit their new status.

    One SMTP connection per run. If the server cannot be reached every event of the batch is
    marked failed (retried later); a refused recipient fails only its own event; a connection
    lost midway leaves the events not yet sent for the next run. Call it with no transaction of
    the session open: it leases the events (committed), talks SMTP, then records the outcomes.
    """
    cfg = settings or get_settings()
    lease = lease_events(TOPIC, session=session, owner=drainer_name(TOPIC), limit=limit)
    if not lease.events:
        return DeliveryReport(0, 0, 0)
    outcomes: dict[int, Outcome] = {}
    try:
        report = _send(cfg, lease.events, outcomes)
    finally:
        # Also when sending broke unexpectedly: what was sent stays sent, the rest is given back.
        for event in lease.events:
            assert event.id is not None
            outcomes.setdefault(event.id, Outcome.release())
        record_outcomes(lease, outcomes, session=session)
    return report


def _send(
    cfg: CoreSettings, events: list[OutboxEvent], outcomes: dict[int, Outcome]
) -> DeliveryReport:
    """Send ``events`` over one SMTP connection, filling in each one's outcome as it goes."""
    sent = failed = recipients = 0
    errors: list[str] = []
    try:
        client = _connect(cfg)
    except (OSError, smtplib.SMTPException) as exc:
        error = _connect_error(cfg, exc)
        logger.warning("%s; %d notification(s) marked failed", error, len(events))
        outcomes.update({e.id: Outcome.retry(error) for e in events if e.id is not None})
        return DeliveryReport(0, len(events), 0, error)
    try:
        for index, event in enumerate(events):
            assert event.id is not None
            message = build_message(event, cfg.mail_from)
            to = [a.strip() for a in str(message["To"]).split(",") if a.strip()]
            if not to:
                errors.append("notification has no recipients")
                outcomes[event.id] = Outcome.dead(errors[-1])
                failed += 1
                continue
            try:
                client.send_message(message, from_addr=cfg.mail_from, to_addrs=to)
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                # The connection is gone: this event and the ones not tried yet go next run;
                # those already sent stay delivered, so nobody gets a message twice.
                error = f"SMTP connection lost: {type(exc).__name__}"
                errors.append(error)
                logger.warning("%s; %d notification(s) left for retry", error, len(events) - index)
                for rest in events[index:]:
                    assert rest.id is not None
                    outcomes[rest.id] = Outcome.retry(error)
                failed += len(events) - index
                break
            except smtplib.SMTPException as exc:
                errors.append(f"SMTP refused: {type(exc).__name__}: {exc}"[:500])
                outcomes[event.id] = Outcome.retry(errors[-1])
                failed += 1
                continue
            outcomes[event.id] = Outcome.delivered()
            sent += 1
            recipients += len(to)
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return DeliveryReport(sent, failed, recipients, errors[0] if errors else None)
