"""A commission run's statements reach each partner's account in its CRM, once, and only that partner's."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from order_core.commissions.models import CommissionStatement
from order_core.commissions.periods import period_of
from order_core.commissions.run import run_commissions
from order_core.commissions.services import approve_period, create_program
from order_core.db import new_session
from order_core.orders.models import Order
from order_core.partners.models import Partner
from order_core.pushback.snapshots import crm_ids
from order_core.types import utcnow
from tests.e2e.push_world import ADMIN, FINANCE, HS, SF, PushWorld, advance, quoted_orders

SF_FIELDS = {
    "period": "Channelsync_Statement_Period__c",
    "state": "Channelsync_Statement_Status__c",
    "currency": "Channelsync_Statement_Currency__c",
    "accrued": "Channelsync_Statement_Accrued__c",
    "total": "Channelsync_Statement_Total__c",
    "year_to_date": "Channelsync_Commission_YTD__c",
}
HS_FIELDS = {
    "period": "channelsync_statement_period",
    "state": "channelsync_statement_status",
    "currency": "channelsync_statement_currency",
    "accrued": "channelsync_statement_accrued",
    "total": "channelsync_statement_total",
    "year_to_date": "channelsync_commission_ytd",
}


def _invoice(world: PushWorld, number: str) -> None:
    assert advance(world.engine, number, "accept") == "accepted"
    assert advance(world.engine, number, "fulfil") == "invoiced"


def _invoiced_partner(world: PushWorld, source: str) -> tuple[int, str]:
    """The partner of two orders placed from a ``source`` deal's quote, the first invoiced; and
    the second's number."""
    first, second = quoted_orders(world, source, 2)
    _invoice(world, first)
    with new_session(world.engine) as session:
        partner = session.exec(select(Order.partner_id).where(Order.number == first)).one()
    return partner, second


def _shown(world: PushWorld, source: str, account: str) -> dict[str, object]:
    """The statement values the partner's account shows in ``source`` (None where unset)."""
    if source == SF:
        record = world.sandboxes.sf.app.admin_api.record("Account", account)
        return {k: record.get(f) for k, f in SF_FIELDS.items()}
    props = world.sandboxes.hs.app.record("companies", account).props
    return {k: props.get(f) or None for k, f in HS_FIELDS.items()}


def _writes(world: PushWorld, source: str, account: str) -> object:
    """What changes each time the push writes the account (its stamp / the total's history)."""
    if source == SF:
        return world.sandboxes.sf.app.admin_api.record("Account", account)["LastModifiedDate"]
    record = world.sandboxes.hs.app.record("companies", account)
    return len(record.history.get(HS_FIELDS["total"], []))


def test_statements_reach_each_partners_account_once(world: PushWorld) -> None:
    (sf_partner, sf_later), (hs_partner, _) = (
        _invoiced_partner(world, SF),
        _invoiced_partner(world, HS),
    )
    partners = {SF: sf_partner, HS: hs_partner}
    assert partners[SF] != partners[HS]
    period = period_of(utcnow().date())
    with new_session(world.engine) as session:
        create_program("REB", "Rebate", [(Decimal(0), Decimal(10))], kind="rebate", session=session, actor=ADMIN)  # fmt: skip
        session.commit()
    assert run_commissions(world.engine, period).statements_changed == 2
    with new_session(world.engine) as session:
        statements = {
            s.partner_id: s
            for s in session.exec(select(CommissionStatement).where(CommissionStatement.period == period))
        }  # fmt: skip
        everyone = [p for p in session.exec(select(Partner.id)).all() if p is not None]
        accounts = {src: crm_ids(session, src, "partner", everyone) for src in (SF, HS)}
    assert set(statements) == set(partners.values())

    written = {}
    for source, partner in partners.items():
        report = world.push(source)
        topic = report.topics[f"crm:{source}:commission_statement"]
        assert report.status == "ok" and topic.dead_lettered == 0, report.as_dict()
        other = partners[HS if source == SF else SF]
        # The other CRM's partner has no account here: its event is skipped, nothing written.
        assert topic.delivered == 1 and topic.skipped == (0 if other in accounts[source] else 1)
        statement = statements[partner]
        shown = _shown(world, source, accounts[source][partner])
        assert shown["period"] == period and shown["currency"] == statement.currency
        assert shown["state"] == ("Open" if source == SF else "open")
        assert Decimal(str(shown["accrued"])) == statement.accrued
        assert (
            Decimal(str(shown["total"])) == Decimal(str(shown["year_to_date"])) == statement.total
        )
        assert statement.total > 0
        written[source] = _writes(world, source, accounts[source][partner])
        assert written[source], "the account shows no write"
        # Partner isolation: no other account of this CRM shows a statement.
        for partner_id, account in accounts[source].items():
            if partner_id != partner:
                assert set(_shown(world, source, account).values()) == {None}, partner_id

    # A re-run that changes nothing emits nothing, and the push sends nothing.
    assert run_commissions(world.engine, period).statements_changed == 0
    for source, partner in partners.items():
        report = world.push(source)
        topic = report.topics[f"crm:{source}:commission_statement"]
        assert (topic.leased, topic.crm_calls, report.crm_calls) == (0, 0, 0), report.as_dict()
        assert _writes(world, source, accounts[source][partner]) == written[source]

    # A later invoice changes one statement: one update of that account, the new figures shown.
    _invoice(world, sf_later)
    assert run_commissions(world.engine, period).statements_changed == 1
    report = world.push(SF)
    topic = report.topics[f"crm:{SF}:commission_statement"]
    assert (topic.delivered, topic.crm_calls) == (1, 1), report.as_dict()
    with new_session(world.engine) as session:
        changed = session.exec(
            select(CommissionStatement).where(
                CommissionStatement.partner_id == sf_partner, CommissionStatement.period == period
            )
        ).one()
    assert changed.total > statements[sf_partner].total
    shown = _shown(world, SF, accounts[SF][sf_partner])
    assert Decimal(str(shown["total"])) == Decimal(str(shown["year_to_date"])) == changed.total
    # HubSpot gets its copy too; the partner has no company there, so nothing is written.
    hs_topic = world.push(HS).topics[f"crm:{HS}:commission_statement"]
    assert (hs_topic.delivered, hs_topic.crm_calls) == (0, 0)

    # Approving the period shows on every account that has a statement of it.
    with new_session(world.engine) as session:
        approve_period(period, session=session, actor=FINANCE)
    for source, state in ((SF, "Approved"), (HS, "approved")):
        report = world.push(source)
        assert report.topics[f"crm:{source}:commission_statement"].delivered == 1, report.as_dict()
        assert _shown(world, source, accounts[source][partners[source]])["state"] == state
