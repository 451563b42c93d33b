"""``channelsync orders list / show / export`` against a real database."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from channelsync.cli.orders import app
from order_core.fulfillment.services import accept_order
from order_core.orders.checkout import CartItem, place_order
from order_core.settings import get_settings
from tests.order_core.orders.world import VENDOR, World

runner = CliRunner()


@pytest.fixture
def cli_db(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CHANNELSYNC_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_list_show_export(session: Session, world: World, cli_db: None, tmp_path: Path) -> None:
    bob = world.actor(session, world.buyer2)
    first = place_order(
        session=session,
        actor=bob,
        lines=[CartItem("LIC-1", 2)],
        payment_method="credit_line",
        end_customer_id=world.customer,
        po_number="PO-CLI",
    )
    second = place_order(
        session=session, actor=bob, lines=[CartItem("HW-1", 1)], payment_method="credit_line"
    )
    accept_order(first.number, session=session, actor=VENDOR)

    listed = runner.invoke(app, ["list", "--partner", str(world.partner_a), "--customer", "acme"])
    assert listed.exit_code == 0, listed.output
    assert first.number in listed.output and second.number not in listed.output
    by_status = runner.invoke(
        app, ["list", "--partner", str(world.partner_a), "--status", "submitted"]
    )
    assert second.number in by_status.output and first.number not in by_status.output

    shown = runner.invoke(app, ["show", first.number])
    assert shown.exit_code == 0, shown.output
    assert (
        "PO-CLI" in shown.output
        and "Acme Corp" in shown.output
        and "license LIC-1 x2 active" in shown.output
    )

    out = tmp_path / "orders.csv"
    exported = runner.invoke(app, ["export", "--partner", str(world.partner_a), "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["number"] for r in rows] == [first.number, second.number]
    assert "wrote 2 rows" in exported.output
