"""Commission runs with a frozen clock: tier math by hand, idempotent runs, clawbacks across periods."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from channelsync.cli.app import app
from order_core.commissions.documents import statement_csv, statement_html
from order_core.commissions.services import (
    approve_period,
    create_program,
    mark_period_paid,
    partner_statements,
)
from order_core.errors import ConflictError, NotFoundError, ValidationFailed
from order_core.invoices.models import CreditNote
from order_core.outbox import OutboxEvent
from tests.order_core.commissions.conftest import Clock, invoiced, pay, refund, run
from tests.order_core.orders.world import VENDOR, World

D = Decimal
TIERS = [(D("0"), D("1.5")), (D("1000"), D("3.5")), (D("2000"), D("7.25"))]


def _statement(session: Session, world: World, period: str) -> tuple[D, D, D, list[D]]:
    session.expire_all()
    [s] = partner_statements(world.partner_a, period, session=session, actor=VENDOR)
    return s.accrued, s.clawed_back, s.total, [line.amount for line in s.lines]


@pytest.mark.parametrize(
    ("mode", "total", "lines"),
    [
        # volume 480 + 1,120 + 640 = 2,240 reaches the 7.25 % tier: 2,240 * 7.25 % = 162.40,
        # shared by base: 34.80 + 81.20 + 46.40
        ("cumulative", "162.40", ["34.80", "81.20", "46.40"]),
        # 1,000 * 1.5 % + 1,000 * 3.5 % + 240 * 7.25 % = 15 + 35 + 17.40 = 67.40,
        # shared by base: 67.40 * 480 / 2,240 = 14.44, 67.40 * 1,120 / 2,240 = 33.70, rest 19.26
        ("marginal", "67.40", ["14.44", "33.70", "19.26"]),
    ],
)
def test_tiers_by_period_volume_and_an_idempotent_run(
    engine: Engine,
    session: Session,
    world: World,
    clock: Clock,
    mode: str,
    total: str,
    lines: list[str],
) -> None:
    create_program(
        "REB", "Rebate", TIERS, kind="rebate", tier_mode=mode, session=session, actor=VENDOR
    )
    for quantity in (3, 7, 4):
        invoiced(session, world, quantity)
    clock.day = clock.day.replace(month=4)
    invoiced(session, world, 5)  # April: not in March's volume
    first = run(engine, session, "2027-03")
    assert (first["accrued"], first["statements"], first["statements_changed"]) == (3, 1, 1)
    assert _statement(session, world, "2027-03") == (
        D(total),
        D(0),
        D(total),
        [D(x) for x in lines],
    )
    again = run(engine, session, "2027-03")
    assert (again["accrued"], again["statements_changed"]) == (0, 0)
    assert _statement(session, world, "2027-03")[2] == D(total)
    events = session.exec(
        select(OutboxEvent).where(OutboxEvent.topic == "crm.commission_statement")
    ).all()
    assert [D(str(e.data()["total"])) for e in events] == [D(total)]  # to the CRM once
    approve_period("2027-03", session=session, actor=VENDOR)
    assert _statement(session, world, "2027-03")[3] == [D(x) for x in lines]  # frozen as shown
    [s] = partner_statements(world.partner_a, "2027-03", session=session, actor=VENDOR)
    rows = list(csv.reader(io.StringIO(statement_csv([s]))))
    assert [r[6] for r in rows[1:4]] == lines and rows[-1][4:] == ["total", "", total, ""]


def test_clawbacks_land_in_the_refund_period_never_in_a_paid_one(
    engine: Engine, session: Session, world: World, clock: Clock
) -> None:
    create_program("REB", "Rebate", [(D(0), D(10))], kind="rebate", session=session, actor=VENDOR)
    number = invoiced(session, world, 5, paid=True)  # 800.00 in March: 80.00
    run(engine, session, "2027-03")
    approve_period("2027-03", session=session, actor=VENDOR)
    mark_period_paid("2027-03", session=session, actor=VENDOR)
    clock.day = clock.day.replace(month=4, day=5)
    refund(session, number, "200.00")  # a quarter back in April
    note = session.exec(select(CreditNote)).one()
    assert (note.amount, note.issued_on.isoformat(), note.number) == (D("200.00"), "2027-04-05", "CN-2027-000001")  # fmt: skip
    assert run(engine, session, "2027-03")["state"] == "paid"  # a paid period is never rewritten
    assert run(engine, session, "2027-04")["clawed_back"] == 1
    assert _statement(session, world, "2027-04") == (D(0), D("-20.00"), D("-20.00"), [D("-20.00")])
    assert _statement(session, world, "2027-03")[2] == D("80.00")
    approve_period("2027-04", session=session, actor=VENDOR)
    clock.day = clock.day.replace(day=25)
    refund(session, number, "100.00")  # dated in April, which is closed now: next open period
    assert run(engine, session, "2027-05")["clawed_back"] == 1
    assert _statement(session, world, "2027-05")[2] == D("-10.00")
    assert _statement(session, world, "2027-04")[2] == D("-20.00")
    with pytest.raises(ConflictError, match="2027-04 is approved, not open"):
        approve_period("2027-04", session=session, actor=VENDOR)


def test_accrual_from_paid_orders_waits_for_the_payment(
    engine: Engine, session: Session, world: World, clock: Clock
) -> None:
    create_program("PAID", "On payment", [(D(0), D(5))], kind="rebate", accrue_on="paid", session=session, actor=VENDOR)  # fmt: skip
    number = invoiced(session, world, 1)  # 160.00 invoiced in March, unpaid
    assert run(engine, session, "2027-03")["accrued"] == 0
    clock.day = clock.day.replace(month=4, day=2)
    pay(session, number)
    assert run(engine, session, "2027-04")["accrued"] == 1
    assert _statement(session, world, "2027-04")[2] == D("8.00")


def test_a_partner_never_sees_another_partners_statement(
    engine: Engine, session: Session, world: World, clock: Clock
) -> None:
    create_program("REB", "Rebate", [(D(0), D(10))], kind="rebate", session=session, actor=VENDOR)
    invoiced(session, world, 1)
    run(engine, session, "2027-03")
    other = world.actor(session, world.buyer_b)
    with pytest.raises(NotFoundError):
        partner_statements(world.partner_a, "2027-03", session=session, actor=other)
    with pytest.raises(NotFoundError, match="no commission statement for partner"):
        partner_statements(world.partner_b, "2027-03", session=session, actor=other)
    own = partner_statements(
        world.partner_a, "2027-03", session=session, actor=world.actor(session, world.buyer2)
    )
    assert own[0].total == D("16.00")
    html = statement_html(session, own)
    assert "Incentive statement 2027-03" in html and "Alpha Resellers" in html and "$16.00" in html


def test_programs_refuse_bad_terms(session: Session) -> None:
    with pytest.raises(ValidationFailed) as err:
        create_program("X", "X", [(D(5), D(200))], kind="bonus", tier_mode="steps", session=session, actor=VENDOR)  # fmt: skip
    fields = sorted(p.field for p in err.value.problems)
    assert fields == ["kind", "tier_mode", "tiers", "tiers"]
    assert session.exec(select(col(OutboxEvent.id))).first() is None


def test_cli_run_and_statement_files(
    engine: Engine,
    session: Session,
    world: World,
    clock: Clock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHANNELSYNC_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    create_program(
        "REB", "Rebate", [(D(0), D("2.5"))], kind="rebate", session=session, actor=VENDOR
    )
    invoiced(session, world, 3)  # 480.00: 12.00
    session.commit()
    ran = CliRunner().invoke(app, ["commissions", "run", "--period", "2027-03"])
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output)["accrued"] == 1
    for name in ("s.csv", "s.html"):
        args = ["commissions", "statement", "--partner", str(world.partner_a), "--period", "2027-03", "--out", str(tmp_path / name)]  # fmt: skip
        done = CliRunner().invoke(app, args)
        assert done.exit_code == 0 and "total 12.00 USD" in done.output, done.output
    assert (tmp_path / "s.csv").read_text().splitlines()[-1] == "2027-03,USD,,,total,,12.00,"
    assert "$12.00" in (tmp_path / "s.html").read_text()
    bad = CliRunner().invoke(app, ["commissions", "run", "--period", "March"])
    assert bad.exit_code != 0 and "give it as YYYY-MM" in str(bad.exception)


def test_a_refund_in_the_accrual_period_lowers_the_volume_and_the_tier(
    engine: Engine, session: Session, world: World, clock: Clock
) -> None:
    create_program("REB", "Rebate", TIERS, kind="rebate", session=session, actor=VENDOR)
    number = invoiced(session, world, 7, paid=True)  # 1,120.00: 3.5 % tier
    invoiced(session, world, 1)  # 160.00
    clock.day = clock.day.replace(day=20)
    refund(session, number, "280.00")  # a quarter of the paid 1,120.00, still in March
    figures = run(engine, session, "2027-03")
    assert (figures["accrued"], figures["clawed_back"]) == (2, 1)
    # volume 1,120 + 160 - 280 = 1,000: the 3.5 % tier on the whole, cumulative: 35.00
    accrued, clawed, total, lines = _statement(session, world, "2027-03")
    assert (accrued, clawed, total) == (D("35.00"), D(0), D("35.00")) and sum(lines) == total
