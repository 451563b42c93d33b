"""Mail to the vendor admins: who gets it, and one clear line when it cannot go."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlmodel import Session

from order_core.notifications.admin_mail import AdminMailNotSent, mail_admins
from order_core.settings import CoreSettings
from order_core.staff.models import VendorUser
from tests.smtp_sink import Sink, free_port, text_part


def test_active_admins_and_the_extra_addresses_are_mailed(
    session: Session, smtp: tuple[Sink, CoreSettings]
) -> None:
    sink, settings = smtp
    session.add(VendorUser(login="a", name="A", email="a@vendor.example", roles="admin"))
    session.add(
        VendorUser(login="b", name="B", email="b@vendor.example", roles="admin", active=False)
    )
    session.add(VendorUser(login="c", name="C", email="c@vendor.example", roles="sales_ops"))
    session.commit()
    to = mail_admins(
        "a run failed", "details", session=session, settings=settings, extra=["x@ops.example"]
    )
    assert to == ["a@vendor.example", "x@ops.example"]
    (mail,) = sink.messages
    assert mail.rcpt == to and mail.message["Subject"] == "a run failed"
    assert text_part(mail.message).strip() == "details"


def test_no_recipient_or_no_server_is_one_line_without_the_password(session: Session) -> None:
    down = CoreSettings(
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_username="mailer",
        smtp_password=SecretStr("hunter2-secret"),
    )
    with pytest.raises(AdminMailNotSent, match="no admin to mail"):
        mail_admins("s", "b", session=session, settings=down)
    with pytest.raises(AdminMailNotSent) as caught:
        mail_admins("s", "b", session=session, settings=down, extra=["x@ops.example"])
    assert f"127.0.0.1:{down.smtp_port}" in str(caught.value)
    assert "hunter2" not in str(caught.value)
