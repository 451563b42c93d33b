"""``channelsync demo`` end to end in a temp folder: its Dagster runs, quotes, orders, licenses,
webhooks, the renewal the customer takes by its notice's link, the renewal commission and its
statement; twice on the same folder (a re-run starts the core afresh, keeps the Dagster runs and
reports no drift)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest
from rich.console import Console
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from channelsync.cli.app import app
from channelsync.demo.programs_step import PROGRAM, RATE
from channelsync.demo.story import StoryResult, run_story
from order_core.commissions.models import CommissionStatement, IncentiveEntry, IncentiveProgram
from order_core.db import make_engine
from order_core.licenses.models import License, Subscription, SubscriptionTerm
from order_core.orders.models import Order
from order_core.outbox import OutboxEvent
from order_core.quotes.models import DealQuoteRequest, Quote
from order_core.renewals.models import Renewal, RenewalNotice

runner = CliRunner()


def test_the_demo_runs_the_story_through_dagster_and_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    home = tmp_path / "dagster"
    monkeypatch.setenv("CHANNELSYNC_DATABASE_URL", url)
    monkeypatch.setenv("CHANNELSYNC_DAGSTER_HOME", str(home))
    monkeypatch.chdir(tmp_path)

    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert "channelsync ui" in first.output
    drift = re.search(r"reconciliation\s+(\d+)/(\d+) objects without drift", first.output)
    assert drift is not None and drift[1] == drift[2] != "0"
    printed = io.StringIO()
    story = run_story(url, tmp_path / "demo-out", Console(file=printed, width=200))
    assert "the earlier demo's core was dropped" in printed.getvalue()
    passed, ran = story.drift_checks
    assert ran > 0 and passed == ran  # the re-run on the same folder: no drift either

    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        assert runs and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        jobs = [r.job_name for r in runs]
    # per round: the full sync, the pull of the flags, the pull before the reconcile
    assert jobs.count("sync_job") == 6
    assert jobs.count("quote_deal_job") == 4  # one per flagged deal, one deal per CRM per round
    assert jobs.count("push_job") == 6  # the quotes, the orders, renewal orders and statements
    assert jobs.count("prm_delivery_job") == jobs.count("reconcile_job") == 2
    assert jobs.count("renewals_job") == jobs.count("commissions_job") == 2

    engine = make_engine(url)
    with Session(engine) as session:
        requests = session.exec(
            select(DealQuoteRequest).where(col(DealQuoteRequest.outcome) == "quoted")
        ).all()
        quotes = [session.get(Quote, r.quote_id) for r in requests]
        quoted = {q.deal_id for q in quotes if q is not None}
        orders = session.exec(select(Order).where(col(Order.status) == "paid")).all()
        licenses = session.exec(select(License)).all()
        delivered = session.exec(
            select(OutboxEvent).where(
                OutboxEvent.topic == "prm.webhook", OutboxEvent.status == "delivered"
            )
        ).all()
    engine.dispose()
    assert {q.connection for q in story.quoted} == {"salesforce", "hubspot"}
    assert {q.deal.id for q in story.quoted} <= quoted
    assert all(q.quote.state == "accepted" for q in story.quoted)
    # the core started afresh: this round's two orders and their two renewal orders, no more
    assert story.renewals is not None
    renewal_orders = {r.order_number for r in story.renewals.renewed}
    assert {o.number for o in orders} == {o.order_number for o in story.orders} | renewal_orders
    assert len(orders) == 4 and len(licenses) == 2
    for q, o in zip(story.quoted, story.orders, strict=True):  # read back from the CRMs
        assert (
            story.on_crm[f"{q.connection} deal {q.deal.crm_id}"] == f"shows quote {q.quote.number}"
        )
        assert story.on_crm[f"{q.connection} order {o.order_number}"].lower() == "status paid"
    assert story.refused_webhooks == 0 and story.webhooks
    assert {w.event_id for w in story.webhooks} <= {str(e.id) for e in delivered}
    _renewals_and_commissions(url, home, story)


def _renewals_and_commissions(url: str, home: Path, story: StoryResult) -> None:
    """The renewal run made the renewal quotes, the customer renewed each by its link, the
    reseller of record's renewal commission accrued at the program's rate, and the statement
    files carry its total."""
    outcome = story.renewals
    assert outcome is not None and outcome.figures["failed"] == 0
    engine = make_engine(url)
    with Session(engine) as session:
        subs = session.exec(select(Subscription).order_by(col(Subscription.id))).all()
        renewals = session.exec(select(Renewal).order_by(col(Renewal.id))).all()
        notices = session.exec(select(RenewalNotice)).all()
        program = session.exec(
            select(IncentiveProgram).where(IncentiveProgram.code == PROGRAM)
        ).one()
        entries = session.exec(select(IncentiveEntry)).all()
        statements = session.exec(select(CommissionStatement)).all()
        renewal_orders = {
            r.id: session.get(Order, r.order_id) for r in renewals if r.order_id is not None
        }
        terms = session.exec(select(SubscriptionTerm)).all()
    engine.dispose()
    # one subscription per order of the story; the run of the day its first window opens
    assert len(subs) == 2 and len(renewals) == 2 and len(notices) == 2
    first_term_end = min(r.term_end for r in renewals)
    assert outcome.as_of == first_term_end - timedelta(days=90)
    assert outcome.figures["renewals_created"] == outcome.figures["notices_sent"] == 2
    assert outcome.notices == 2 and outcome.mails >= 2  # delivered to the demo's SMTP sink
    for sub, renewal in zip(subs, renewals, strict=True):
        assert renewal.subscription_id == sub.id and renewal.state == "renewed"
        assert renewal.reference == f"RN-{sub.id}-{renewal.term_end:%Y%m%d}"
        assert sub.term_start == renewal.term_end and sub.term_end == renewal.new_term_end
        order = renewal_orders[renewal.id]
        assert order is not None and order.status == "paid"
        assert order.partner_id == sub.reseller_id == renewal.partner_id  # reseller of record
    assert {t.order_id for t in terms if t.kind == "renewal"} == {
        o.id for o in renewal_orders.values() if o is not None
    }
    # by hand: 50 seats resold at the list price of CS-SEC-001 (900.00 USD), RATE percent of it
    assert program.kind == "renewal_commission" and program.base == "resale" and RATE == 5
    per_renewal = Decimal(50) * Decimal("900.00") * RATE / 100
    assert per_renewal == Decimal("2250.00")
    assert all(r.seats == 50 and r.unit_resale == Decimal("900.00") for r in renewals)
    accruals = [e for e in entries if e.program_id == program.id]
    assert len(accruals) == len(entries) == 2  # the renewal commission, nothing else
    assert {e.order_id for e in accruals} == {r.order_id for r in renewals}
    assert all(e.base == Decimal("45000.00") and e.kind == "accrual" for e in accruals)
    period = str(story.commissions["period"])
    assert story.commissions["accrued"] == 2 and all(e.period == period for e in accruals)
    by_partner = {s.partner_id: s for s in statements}
    assert {e.partner_id for e in accruals} == set(by_partner)
    assert all(s.total == per_renewal and s.currency == "USD" for s in statements)
    assert len(story.statements) == len(statements)
    for order in renewal_orders.values():  # read back from the CRMs after the last push
        assert order is not None
        shown = [v for k, v in story.on_crm.items() if k.endswith(f" order {order.number}")]
        assert [v.lower() for v in shown] == ["status paid"]
    accounts = {k: v for k, v in story.on_crm.items() if " account " in k}
    assert len(accounts) == len(statements)
    assert set(accounts.values()) == {f"statement {period} total 2250.00"}
    for written in story.statements:
        assert written.total == per_renewal and written.period == period
        rows = list(csv.reader(written.csv.open(encoding="utf-8")))
        assert [period, "USD", "", "", "total", "", "2250.00", ""] in rows
        lines = [r for r in rows if r[4] == "accrual"]
        assert (
            len(lines) == 1 and lines[0][3] == PROGRAM and lines[0][5:7] == ["45000.00", "2250.00"]
        )
        assert "2,250.00" in written.html.read_text(encoding="utf-8")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        days = [r.tags.get("dagster/partition") for r in instance.get_runs()
                if r.job_name == "renewals_job"]  # fmt: skip
    assert days == [outcome.as_of.isoformat()] * 2
