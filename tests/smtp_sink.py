"""A local SMTP sink (aiosmtpd on 127.0.0.1) for tests of e-mail delivery, and readers of its messages."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any


@dataclass
class Received:
    """One message the sink accepted."""

    sender: str
    rcpt: list[str]
    message: Message


@dataclass
class Sink:
    """Collects every message delivered to it."""

    messages: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        # aiosmtpd has no type stubs: the envelope is untyped.
        self.messages.append(
            Received(
                str(envelope.mail_from),
                list(envelope.rcpt_tos),
                message_from_bytes(envelope.content),
            )
        )
        return "250 OK"


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _part(message: Message, content_type: str) -> str:
    for part in message.walk():
        if part.get_content_type() == content_type:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"the message has no {content_type} part")


def text_part(message: Message) -> str:
    """The decoded text/plain part of a received message."""
    return _part(message, "text/plain")


def html_part(message: Message) -> str:
    """The decoded text/html part of a received message."""
    return _part(message, "text/html")
