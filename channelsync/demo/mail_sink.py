"""The demo's mail server: an SMTP sink on 127.0.0.1 (aiosmtpd) that keeps every message it gets,
so the e-mails the core sends (quotes, renewal notices, digests) are delivered for real and the end
customer can follow the link in its renewal notice."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from sqlmodel import Session

from order_core.notifications.delivery import deliver_pending_notifications
from order_core.settings import CoreSettings, get_settings


@dataclass
class Mail:
    """One message the sink accepted."""

    to: list[str]
    message: EmailMessage

    def text(self) -> str:
        """The text/plain part."""
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


@dataclass
class MailSink:
    """What the sink received, and the core's settings that deliver to it."""

    settings: CoreSettings
    received: list[Mail] = field(default_factory=list)

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:  # noqa: N802
        """aiosmtpd's hook for a message (the envelope is untyped: aiosmtpd has no stubs)."""
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Mail(list(envelope.rcpt_tos), message))
        return "250 OK"

    def deliver(self, session: Session) -> int:
        """Send every due ``notify.email`` event to the sink (as ``orders notify`` does); how many
        went out. Call it with no transaction of ``session`` open."""
        sent = 0
        while True:
            report = deliver_pending_notifications(session, self.settings)
            sent += report.sent
            if report.sent == 0:
                return sent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_mail_sink() -> Iterator[MailSink]:
    """The sink on a free 127.0.0.1 port for the duration of the block."""
    port = _free_port()
    plain = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False, "smtp_ssl": False}
    login = {"smtp_username": None, "smtp_password": None}
    sink = MailSink(get_settings().model_copy(update={**plain, **login}))
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
