"""Delivering ``notify.email`` outbox events by SMTP (stdlib smtplib, server from settings).

Each event is one message (subject, text and HTML parts rendered from its kind's templates) to its
recipients, resolved from addresses, roles and logins (``recipients``). A delivery that fails, or
an event whose recipients or content cannot be resolved, is retried later with backoff and becomes
a dead letter after the outbox's attempt limit; the error stays on the event and in the report,
and never holds the password. The events are leased in one short transaction, their messages built
(recipients read) in another, and their outcomes recorded in a third: no database transaction is
open during the SMTP conversation.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from sqlmodel import Session

from order_core.errors import DomainError
from order_core.notifications.recipients import resolve_recipients
from order_core.notifications.render import render_notification
from order_core.outbox import OutboxEvent
from order_core.outbox.leases import drainer_name, lease_events, record_outcomes
from order_core.outbox.outcomes import Outcome
from order_core.partners.branding import branding_of
from order_core.settings import CoreSettings, get_settings

TOPIC = "notify.email"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryReport:
    """What one delivery run did."""

    sent: int
    failed: int
    recipients: int
    errors: tuple[str, ...] = ()
    """``event <id>: <error>`` of each event not sent this run."""

    @property
    def error(self) -> str | None:
        """The first failure (no credentials in it), or None when every message went out."""
        return self.errors[0] if self.errors else None


def build_message(session: Session, event: OutboxEvent, sender: str) -> EmailMessage:
    """The e-mail for one notification event; DomainError when a recipient or its content is unknown."""
    to = resolve_recipients(session, event)
    data = event.data()
    mail = render_notification(data, logos=_cobrand_logo(session, data))
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(idstring=f"outbox-{event.id}", domain="channelsync")
    msg["X-Channelsync-Event"] = str(event.id)
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    if mail.images:  # the HTML part becomes multipart/related with its inline logos
        html = msg.get_body(preferencelist=("html",))
        assert isinstance(html, EmailMessage)
        for image in mail.images:
            maintype, subtype = image.mime.split("/", 1)
            html.add_related(
                image.data, maintype, subtype, cid=f"<{image.cid}>", disposition="inline"
            )
    return msg


def _cobrand_logo(session: Session, data: dict[str, Any]) -> dict[str, str]:
    """The distributor's logo a notice names by ``distributor_id`` (read now, not kept per event)."""
    distributor_id = data.get("distributor_id")
    profile = branding_of(session, int(distributor_id)) if distributor_id is not None else None
    return {"branding": profile.logo} if profile is not None and profile.logo else {}


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
    errors: list[str] = []
    try:
        messages = _messages(session, cfg, lease.events, outcomes, errors)
        report = _send(cfg, messages, outcomes, errors)
    finally:
        # Also when sending broke unexpectedly: what was sent stays sent, the rest is given back.
        for event in lease.events:
            assert event.id is not None
            outcomes.setdefault(event.id, Outcome.release())
        record_outcomes(lease, outcomes, session=session)
    return report


def _messages(
    session: Session,
    cfg: CoreSettings,
    events: list[OutboxEvent],
    outcomes: dict[int, Outcome],
    errors: list[str],
) -> list[tuple[OutboxEvent, EmailMessage]]:
    """Build every message first (recipients are read from the database), then end that read
    transaction; an event whose recipients or content cannot be resolved is retried later."""
    built: list[tuple[OutboxEvent, EmailMessage]] = []
    try:
        for event in events:
            assert event.id is not None
            try:
                built.append((event, build_message(session, event, cfg.mail_from)))
            except DomainError as exc:
                outcomes[event.id] = Outcome.retry(exc.message)
                errors.append(f"event {event.id}: {exc.message}")
    finally:
        session.rollback()
    return built


def _send(
    cfg: CoreSettings,
    messages: list[tuple[OutboxEvent, EmailMessage]],
    outcomes: dict[int, Outcome],
    errors: list[str],
) -> DeliveryReport:
    """Send the messages over one SMTP connection, filling in each event's outcome as it goes."""
    sent = recipients = 0
    failed = len(errors)  # not built
    if not messages:
        return DeliveryReport(0, failed, 0, tuple(errors))
    try:
        client = _connect(cfg)
    except (OSError, smtplib.SMTPException) as exc:
        error = _connect_error(cfg, exc)
        logger.warning("%s; %d notification(s) marked failed", error, len(messages))
        for event, _ in messages:
            assert event.id is not None
            outcomes[event.id] = Outcome.retry(error)
            errors.append(f"event {event.id}: {error}")
        return DeliveryReport(0, failed + len(messages), 0, tuple(errors))
    try:
        for index, (event, message) in enumerate(messages):
            assert event.id is not None
            to = [a.strip() for a in str(message["To"]).split(",") if a.strip()]
            try:
                client.send_message(message, from_addr=cfg.mail_from, to_addrs=to)
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                # The connection is gone: this event and the ones not tried yet go next run;
                # those already sent stay delivered, so nobody gets a message twice.
                error = f"SMTP connection lost: {type(exc).__name__}"
                left = messages[index:]
                logger.warning("%s; %d notification(s) left for retry", error, len(left))
                for rest, _ in left:
                    assert rest.id is not None
                    outcomes[rest.id] = Outcome.retry(error)
                    errors.append(f"event {rest.id}: {error}")
                failed += len(left)
                break
            except smtplib.SMTPException as exc:
                error = f"SMTP refused: {type(exc).__name__}: {exc}"[:500]
                outcomes[event.id] = Outcome.retry(error)
                errors.append(f"event {event.id}: {error}")
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
    return DeliveryReport(sent, failed, recipients, tuple(errors))
