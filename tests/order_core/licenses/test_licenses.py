"""Licenses are issued at acceptance, signed and verifiable; tampered keys fail; subscriptions are recorded."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import SecretStr
from sqlmodel import Session

from order_core.errors import NotFoundError
from order_core.fulfillment.services import accept_order, cancel_order
from order_core.licenses.keys import (
    InvalidLicenseKey,
    LicenseKeyFormat,
    make_license_key,
    verify_license_key,
)
from order_core.licenses.services import (
    add_months,
    licenses_for_customer,
    licenses_for_order,
    subscriptions_for_order,
    use_key_format,
    verify_license,
)
from order_core.orders.checkout import CartItem, place_order
from order_core.types import utcnow
from tests.order_core.orders.world import VENDOR, World

SECRET = SecretStr("unit-test-secret")


def _tamper(key: str) -> str:
    i = key.index("-") + 4  # a character inside the first group of the key body
    return key[:i] + ("A" if key[i] != "A" else "B") + key[i + 1 :]


def test_key_round_trip_and_tampering() -> None:
    key, serial = make_license_key(SECRET, sku="LIC-1", seats=25, expires_on=date(2027, 3, 31))
    claims = verify_license_key(key, SECRET)
    assert (claims.serial, claims.seats, claims.expires_on) == (serial, 25, date(2027, 3, 31))
    assert claims.is_for("LIC-1") and not claims.is_for("LIC-2")
    assert key.startswith("CS-") and all(len(g) <= 5 for g in key.split("-")[1:])
    with pytest.raises(InvalidLicenseKey, match="signature"):
        verify_license_key(_tamper(key), SECRET)
    with pytest.raises(InvalidLicenseKey, match="signature"):
        verify_license_key(key, SecretStr("another-vendor"))
    with pytest.raises(InvalidLicenseKey):
        verify_license_key("CS-12345", SECRET)


def test_configurable_format() -> None:
    fmt = LicenseKeyFormat(prefix="ACME", group_size=4, separator="_", signature_bytes=16)
    key, _ = make_license_key(SECRET, sku="X", seats=1, expires_on=None, fmt=fmt)
    assert key.startswith("ACME_") and all(len(g) <= 4 for g in key.split("_")[1:])
    assert verify_license_key(key, SECRET, fmt).expires_on is None
    with pytest.raises(InvalidLicenseKey):
        verify_license_key(key, SECRET)  # the default format does not read it
    with pytest.raises(ValueError):
        LicenseKeyFormat(signature_bytes=4)


def test_issued_at_acceptance_per_order_and_customer(session: Session, world: World) -> None:
    buyer = world.actor(session, world.buyer2)
    order = place_order(
        session=session,
        actor=buyer,
        lines=[CartItem("LIC-1", 5), CartItem("SUB-1", 10), CartItem("HW-1", 1)],
        payment_method="credit_line",
        end_customer_id=world.customer,
    )
    assert licenses_for_order(order.number, session=session, actor=buyer) == []
    accept_order(order.number, session=session, actor=VENDOR)
    licenses = licenses_for_order(order.number, session=session, actor=buyer)
    assert [(lic.sku, lic.seats, lic.end_customer_id) for lic in licenses] == [
        ("LIC-1", 5, world.customer),
        ("SUB-1", 10, world.customer),
    ]
    today = utcnow().date()
    assert licenses[0].term_end is None and licenses[1].term_end == add_months(today, 12)
    claims, record = verify_license(licenses[1].key, session=session, actor=buyer)
    assert record.id == licenses[1].id and claims.seats == 10 and claims.is_for("SUB-1")
    with pytest.raises(InvalidLicenseKey):
        verify_license(_tamper(licenses[1].key), session=session, actor=buyer)
    with pytest.raises(NotFoundError):
        verify_license(licenses[0].key, session=session, actor=world.actor(session, world.buyer_b))
    subs = subscriptions_for_order(order.number, session=session, actor=buyer)
    assert [(s.sku, s.seats, s.reseller_id, s.term_start, s.license_id) for s in subs] == [
        ("SUB-1", 10, world.partner_a, today, licenses[1].id)
    ]
    mine = licenses_for_customer(world.customer, session=session, actor=buyer)
    assert [lic.id for lic in mine] == [lic.id for lic in licenses]
    with pytest.raises(NotFoundError):
        licenses_for_customer(
            world.customer, session=session, actor=world.actor(session, world.buyer_b)
        )
    cancel_order(order.number, session=session, actor=VENDOR, note="returned")
    assert {
        lic.status for lic in licenses_for_order(order.number, session=session, actor=buyer)
    } == {"revoked"}
    assert (
        subscriptions_for_order(order.number, session=session, actor=buyer)[0].status == "cancelled"
    )


def test_key_format_setting_is_used_for_new_keys(session: Session, world: World) -> None:
    use_key_format(LicenseKeyFormat(prefix="ALPHA", group_size=6))
    try:
        buyer = world.actor(session, world.buyer2)
        order = place_order(
            session=session, actor=buyer, lines=[CartItem("LIC-1", 1)], payment_method="credit_line"
        )
        accept_order(order.number, session=session, actor=VENDOR)
        (lic,) = licenses_for_order(order.number, session=session, actor=buyer)
        assert lic.key.startswith("ALPHA-")
        assert verify_license(lic.key, session=session, actor=buyer)[1].id == lic.id
    finally:
        use_key_format(None)


def test_add_months_clamps() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 14) == date(2028, 1, 15)
