"""What the push sends about statements: each partner's latest, its period's state, the year to date."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlmodel import Session

from order_core.commissions.crm_values import statement_snapshots
from order_core.commissions.models import CommissionPeriod, CommissionStatement
from order_core.partners.models import PartnerCrmRef
from tests.order_core.orders.world import World

D = Decimal


def _statement(
    partner: int, period: str, currency: str, total: str, day: int
) -> CommissionStatement:
    at = datetime(2027, 4, day, tzinfo=UTC)
    amount = D(total)
    return CommissionStatement(partner_id=partner, period=period, currency=currency, accrued=amount, clawed_back=D(0), total=amount, updated_at=at)  # fmt: skip


def test_the_latest_statement_with_its_state_and_the_year_to_date(
    session: Session, world: World
) -> None:
    a, b = world.partner_a, world.partner_b
    session.add_all(
        [
            _statement(a, "2026-12", "USD", "500.00", 1),  # last year: not in the year to date
            _statement(a, "2027-01", "USD", "100.10", 2),
            _statement(a, "2027-02", "EUR", "70.00", 3),  # another currency
            _statement(a, "2027-02", "USD", "200.20", 4),  # the latest: changed last in 2027-02
            _statement(b, "2027-01", "USD", "9.99", 5),
            CommissionPeriod(period="2027-02", state="approved"),
            PartnerCrmRef(partner_id=a, source="sf", crm_id="001A"),
        ]
    )
    session.commit()

    snaps = statement_snapshots(session, "sf", [a, b, 999])

    assert set(snaps) == {a, b}
    assert snaps[a].partner_crm_id == "001A"
    assert snaps[a].values == {
        "period": "2027-02",
        "state": "approved",
        "currency": "USD",
        "accrued": D("200.20"),
        "clawed_back": D(0),
        "total": D("200.20"),
        "credit": D(0),
        "year_to_date": D("300.30"),
    }
    # Partner B has no account in this connection: the push skips its events.
    assert snaps[b].partner_crm_id is None
    assert (snaps[b].values["state"], snaps[b].values["year_to_date"]) == ("open", D("9.99"))
