"""SMTP delivery over STARTTLS and implicit TLS with login, against a local aiosmtpd server."""

from __future__ import annotations

import base64
import logging
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any, Literal

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr, ValidationError
from sqlmodel import Session, col, select

from order_core.notifications.delivery import DeliveryReport, deliver_pending_notifications
from order_core.orders.checkout import CartItem, place_order
from order_core.orders.models import Order
from order_core.outbox import OutboxEvent
from order_core.settings import CoreSettings
from tests.order_core.orders.world import World
from tests.smtp_sink import text_part

USERNAME = "mailer"
PASSWORD = "Tr0ub4dor-smtp-pw"
WRONG_PASSWORD = "hunter2-not-the-pw"

Mode = Literal["starttls", "ssl"]


@dataclass
class Received:
    """One message the sink accepted, and whether its connection was encrypted."""

    sender: str
    rcpt: list[str]
    message: Message
    tls: bool


@dataclass
class AuthAttempt:
    """One AUTH exchange the server saw."""

    mechanism: str
    login: str
    success: bool


@dataclass
class TlsSink:
    """Collects accepted messages and checks logins against ``USERNAME``/``PASSWORD``."""

    messages: list[Received] = field(default_factory=list)
    auth: list[AuthAttempt] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: object, envelope: Any) -> str:
        # aiosmtpd has no type stubs: server and envelope are untyped.
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        self.messages.append(
            Received(
                str(envelope.mail_from),
                list(envelope.rcpt_tos),
                message_from_bytes(envelope.content),
                encrypted,
            )
        )
        return "250 OK"

    def authenticate(
        self, server: object, session: object, envelope: object, mechanism: str, data: Any
    ) -> Any:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == USERNAME.encode()
            and data.password == PASSWORD.encode()
        )
        login = data.login.decode() if isinstance(data, LoginPassword) else "?"
        self.auth.append(AuthAttempt(mechanism, login, ok))
        return AuthResult(success=ok, handled=False)


ServerFactory = Callable[..., tuple[TlsSink, int]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    """A throwaway CA that no system store knows."""
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    """The CA certificate as a PEM file (what ``smtp_ca_file`` points to)."""
    path = tmp_path / "smtp-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def smtp_server(ca: trustme.CA) -> Iterator[ServerFactory]:
    """Start aiosmtpd on 127.0.0.1 with a certificate of ``ca``: STARTTLS or implicit TLS."""
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    controllers: list[Controller] = []

    def start(
        mode: Mode, *, mechanisms: tuple[str, ...] = ("LOGIN", "PLAIN")
    ) -> tuple[TlsSink, int]:
        sink = TlsSink()
        port = _free_port()
        excluded = [m for m in ("LOGIN", "PLAIN") if m not in mechanisms]
        common: dict[str, Any] = {
            "hostname": "127.0.0.1",
            "port": port,
            "authenticator": sink.authenticate,
            "auth_exclude_mechanism": excluded,
        }
        if mode == "starttls":
            controller = Controller(
                sink,
                tls_context=server_context,
                require_starttls=True,
                auth_require_tls=True,
                **common,
            )
        else:
            # aiosmtpd only counts STARTTLS as TLS for ``auth_require_tls``; on an implicit TLS
            # listener every byte is already encrypted, so AUTH is offered without it.
            controller = Controller(
                sink, ssl_context=server_context, auth_require_tls=False, **common
            )
        controller.start()
        controllers.append(controller)
        return sink, port

    try:
        yield start
    finally:
        for controller in controllers:
            controller.stop()


def _settings(
    port: int,
    *,
    mode: Mode,
    ca_file: str | None,
    password: str = PASSWORD,
) -> CoreSettings:
    return CoreSettings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_username=USERNAME,
        smtp_password=SecretStr(password),
        smtp_starttls=mode == "starttls",
        smtp_ssl=mode == "ssl",
        smtp_ca_file=ca_file,
        mail_from="orders@vendor.example",
    )


def _place_order(session: Session, world: World) -> Order:
    """An order needing approval: one ``notify.email`` event to buyer, approvers, end customer."""
    return place_order(
        session=session,
        actor=world.actor(session, world.buyer),
        lines=[CartItem("HW-1", 40)],
        payment_method="credit_line",
        end_customer_id=world.customer,
        notify_end_customer=True,
        po_number="PO-5",
    )


def _mail_events(session: Session) -> list[OutboxEvent]:
    return list(
        session.exec(
            select(OutboxEvent)
            .where(OutboxEvent.topic == "notify.email")
            .order_by(col(OutboxEvent.id))
        )
    )


def _assert_delivered(session: Session, sink: TlsSink, order: Order) -> None:
    (received,) = sink.messages
    assert received.tls
    assert received.sender == "orders@vendor.example"
    assert received.rcpt == [
        "buyer@alpha.example",
        "approver@alpha.example",
        "admin@alpha.example",
        "it@acme.example",
    ]
    assert received.message["Subject"] == f"Order {order.number} is pending approval"
    body = text_part(received.message)
    assert "PO PO-5" in body and "6400.00 USD" in body
    assert [(e.status, e.attempts, e.last_error) for e in _mail_events(session)] == [
        ("delivered", 1, None)
    ]


def _assert_kept_for_retry(session: Session, sink: TlsSink, error_part: str) -> list[OutboxEvent]:
    assert sink.messages == []
    events = _mail_events(session)
    assert [(e.status, e.attempts, e.delivered_at) for e in events] == [("pending", 1, None)]
    assert all(error_part in (e.last_error or "") for e in events)
    return events


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_starttls_login_delivers_with_trusted_ca(
    session: Session, world: World, smtp_server: ServerFactory, ca_file: str, mechanism: str
) -> None:
    sink, port = smtp_server("starttls", mechanisms=(mechanism,))
    order = _place_order(session, world)
    report = deliver_pending_notifications(
        session, _settings(port, mode="starttls", ca_file=ca_file)
    )
    assert (report.sent, report.failed, report.recipients) == (1, 0, 4)
    assert sink.auth == [AuthAttempt(mechanism, USERNAME, True)]
    _assert_delivered(session, sink, order)
    again = deliver_pending_notifications(
        session, _settings(port, mode="starttls", ca_file=ca_file)
    )
    assert again == DeliveryReport(0, 0, 0)
    assert len(sink.messages) == 1  # nothing sent twice


def test_implicit_tls_login_delivers_with_trusted_ca(
    session: Session, world: World, smtp_server: ServerFactory, ca_file: str
) -> None:
    sink, port = smtp_server("ssl")
    order = _place_order(session, world)
    report = deliver_pending_notifications(session, _settings(port, mode="ssl", ca_file=ca_file))
    assert (report.sent, report.failed) == (1, 0)
    assert [(a.login, a.success) for a in sink.auth] == [(USERNAME, True)]
    _assert_delivered(session, sink, order)


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_untrusted_server_certificate_is_refused(
    session: Session, world: World, smtp_server: ServerFactory, mode: Mode
) -> None:
    """Without ``smtp_ca_file`` the system store decides, and it does not know the test CA."""
    sink, port = smtp_server(mode)
    _place_order(session, world)
    report = deliver_pending_notifications(session, _settings(port, mode=mode, ca_file=None))
    assert (report.sent, report.failed) == (0, 1)
    _assert_kept_for_retry(session, sink, "certificate not trusted")
    assert sink.auth == []  # the credentials never went to the unverified server


def test_missing_ca_file_is_reported(
    session: Session, world: World, smtp_server: ServerFactory, tmp_path: Path
) -> None:
    sink, port = smtp_server("starttls")
    _place_order(session, world)
    missing = str(tmp_path / "nowhere.pem")
    report = deliver_pending_notifications(
        session, _settings(port, mode="starttls", ca_file=missing)
    )
    assert (report.sent, report.failed) == (0, 1)
    _assert_kept_for_retry(session, sink, f"CA file '{missing}' not found")
    assert sink.auth == []


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_wrong_password_fails_without_revealing_it(
    session: Session,
    world: World,
    smtp_server: ServerFactory,
    ca_file: str,
    mode: Mode,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    sink, port = smtp_server(mode)
    _place_order(session, world)
    settings = _settings(port, mode=mode, ca_file=ca_file, password=WRONG_PASSWORD)
    report = deliver_pending_notifications(session, settings)
    assert (report.sent, report.failed) == (0, 1)
    assert sink.auth and not any(a.success for a in sink.auth)
    (event,) = _assert_kept_for_retry(session, sink, "login refused")
    assert WRONG_PASSWORD not in (event.last_error or "")
    ours = [r for r in caplog.records if r.name.startswith("order_core")]
    assert any(r.levelno == logging.WARNING and "login refused" in r.getMessage() for r in ours)
    # Nothing logged (ours or the server's) holds the password; ours not even base64-encoded.
    assert WRONG_PASSWORD not in caplog.text
    encoded = [
        base64.b64encode(WRONG_PASSWORD.encode()).decode(),
        base64.b64encode(f"\0{USERNAME}\0{WRONG_PASSWORD}".encode()).decode(),
    ]
    assert not any(e in r.getMessage() for r in ours for e in encoded)


def test_starttls_and_implicit_tls_together_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError) as direct:
        CoreSettings(smtp_starttls=True, smtp_ssl=True, smtp_port=465)
    text = str(direct.value)
    assert "smtp_starttls" in text and "smtp_ssl" in text and "cannot both be enabled" in text
    monkeypatch.setenv("CHANNELSYNC_SMTP_STARTTLS", "true")
    monkeypatch.setenv("CHANNELSYNC_SMTP_SSL", "true")
    with pytest.raises(ValidationError, match="CHANNELSYNC_SMTP_STARTTLS, CHANNELSYNC_SMTP_SSL"):
        CoreSettings()
    assert CoreSettings(smtp_starttls=False, smtp_ssl=True).smtp_ssl
