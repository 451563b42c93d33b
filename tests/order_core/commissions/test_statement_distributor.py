"""A statement is co-branded by the distributor its orders went through, not the reseller's default
distributor of the day it is rendered; lines through several distributors each name theirs."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from order_core.commissions.documents import statement_csv, statement_html
from order_core.commissions.services import create_program, partner_statements
from order_core.orders.models import Order
from order_core.partners.branding import set_branding
from order_core.partners.models import DistributorRelation, Partner
from quote_engine.documents.images import logo_data_uri
from tests.channelsync.web.cobrand import LOGO, use_test_database
from tests.cli_run import run_cli
from tests.order_core.commissions.conftest import Clock, invoiced, run
from tests.order_core.orders.world import VENDOR, World

D = Decimal
NORTH, SOUTH = "#0B6E4F", "#8E44AD"  # the two distributors' primary colours
HEADER = ["period", "currency", "order", "program", "kind", "base", "amount", "distributor"]


def _distributor(session: Session, name: str, colour: str) -> int:
    dist = Partner(name=name, kind="distributor")
    session.add(dist)
    session.flush()
    assert dist.id is not None
    set_branding(dist.id, session=session, actor=VENDOR, display_name=f"{name} Europe", primary_color=colour, logo=LOGO)  # fmt: skip
    return dist.id


def _buy_through(session: Session, world: World, distributor: int | None) -> None:
    """The reseller's default distributor from now on (None: it buys direct)."""
    for rel in session.exec(
        select(DistributorRelation).where(DistributorRelation.reseller_id == world.partner_a)
    ):
        session.delete(rel)
    session.flush()
    if distributor is not None:
        session.add(DistributorRelation(reseller_id=world.partner_a, distributor_id=distributor))
    session.commit()


def _channel(session: Session, world: World) -> tuple[int, int]:
    north = _distributor(session, "North Dist", NORTH)
    south = _distributor(session, "South Dist", SOUTH)
    create_program("REB", "Rebate", [(D(0), D(10))], kind="rebate", session=session, actor=VENDOR)
    return north, south


def _order_through(session: Session, world: World, quantity: int) -> int | None:
    number = invoiced(session, world, quantity)
    order = session.exec(select(Order).where(Order.number == number)).one()
    return order.distributor_id


def _documents(session: Session, world: World) -> tuple[str, list[list[str]]]:
    session.expire_all()
    found = partner_statements(world.partner_a, "2027-03", session=session, actor=VENDOR)
    return statement_html(session, found), list(csv.reader(io.StringIO(statement_csv(found))))


def test_one_distributor_cobrands_the_statement_whatever_the_default_is_now(
    engine: Engine, session: Session, world: World, clock: Clock
) -> None:
    north, south = _channel(session, world)
    _buy_through(session, world, north)
    assert [_order_through(session, world, q) for q in (1, 2)] == [north, north]
    run(engine, session, "2027-03")
    html, rows = _documents(session, world)
    assert "supplied through North Dist Europe" in html and f'src="{logo_data_uri(LOGO)}"' in html
    assert f"border-bottom: 4px solid {NORTH}" in html and "<th>Distributor</th>" not in html
    assert rows[0] == HEADER
    assert [r[4:] for r in rows[1:]] == [
        ["accrual", "160.00", "16.00", "North Dist Europe"],
        ["accrual", "320.00", "32.00", "North Dist Europe"],
        ["accrued", "", "48.00", ""],
        ["clawed_back", "", "0.00", ""],
        ["total", "", "48.00", ""],
    ]
    _buy_through(session, world, south)  # the reseller's default changes after the orders
    assert _documents(session, world) == (html, rows)
    assert "South Dist" not in html
    _buy_through(session, world, None)
    assert _documents(session, world) == (html, rows)


def test_lines_through_several_distributors_each_name_theirs_and_no_band(
    engine: Engine, session: Session, world: World, clock: Clock
) -> None:
    north, south = _channel(session, world)
    create_program("DIST", "Distributors", [(D(0), D(2))], kind="distributor_commission", session=session, actor=VENDOR)  # fmt: skip
    through = []
    for distributor, quantity in ((north, 1), (south, 2), (None, 3)):
        _buy_through(session, world, distributor)
        through.append(_order_through(session, world, quantity))
    assert through == [north, south, None]
    _buy_through(session, world, north)
    run(engine, session, "2027-03")
    html, rows = _documents(session, world)
    assert "supplied through" not in html and NORTH not in html and SOUTH not in html
    assert "<th>Order</th><th>Distributor</th><th>Program</th>" in html
    shown = [cell.split("</td>")[0] for cell in html.split('<td class="distributor">')[1:]]
    assert shown == ["North Dist Europe", "South Dist Europe", ""]  # a direct order shows none
    assert rows[0] == HEADER
    assert [(r[4], r[6], r[7]) for r in rows[1:]] == [
        ("accrual", "16.00", "North Dist Europe"),
        ("accrual", "32.00", "South Dist Europe"),
        ("accrual", "48.00", ""),
        ("accrued", "96.00", ""),
        ("clawed_back", "0.00", ""),
        ("total", "96.00", ""),
    ]
    _buy_through(session, world, south)
    assert _documents(session, world) == (html, rows)
    # a distributor's own statement (its commission on the one order through it) names no co-brand
    [own] = partner_statements(north, "2027-03", session=session, actor=VENDOR)
    assert [(line.amount, line.distributor) for line in own.lines] == [(D("3.20"), "North Dist Europe")]  # fmt: skip
    assert "supplied through" not in statement_html(session, [own])


def test_cli_statement_files_keep_the_orders_distributor(
    engine: Engine,
    session: Session,
    world: World,
    clock: Clock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_test_database(engine, monkeypatch)
    north, south = _channel(session, world)
    _buy_through(session, world, north)
    _order_through(session, world, 3)  # 480.00: 48.00
    session.commit()
    assert run_cli("commissions", "run", "--period", "2027-03").code == 0

    def written(folder: str) -> tuple[str, str]:
        texts = []
        for name in ("s.html", "s.csv"):
            out = tmp_path / folder / name
            out.parent.mkdir(exist_ok=True)
            args = ("commissions", "statement", "--partner", str(world.partner_a), "--period", "2027-03", "--out", str(out))  # fmt: skip
            done = run_cli(*args)
            assert done.code == 0 and "total 48.00 USD" in done.out, done
            texts.append(out.read_text(encoding="utf-8"))
        return texts[0], texts[1]

    html, text = written("first")
    assert "supplied through North Dist Europe" in html
    assert f"border-bottom: 4px solid {NORTH}" in html
    assert text.splitlines()[1].endswith(",accrual,480.00,48.00,North Dist Europe")
    _buy_through(session, world, south)
    assert written("again") == (html, text)
