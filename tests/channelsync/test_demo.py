"""``channelsync demo`` end to end in a temp folder: its Dagster runs, quotes, orders, licenses and
webhooks, twice on the same folder (a re-run works and adds a new round)."""

from __future__ import annotations

import io
from pathlib import Path

import dagster as dg
import pytest
from rich.console import Console
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from channelsync.cli.app import app
from channelsync.demo.story import run_story
from order_core.db import make_engine
from order_core.licenses.models import License
from order_core.orders.models import Order
from order_core.outbox import OutboxEvent
from order_core.quotes.models import DealQuoteRequest, Quote

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
    story = run_story(url, tmp_path / "demo-out", Console(file=io.StringIO()))

    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        assert runs and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        jobs = [r.job_name for r in runs]
    # per round: the full sync, the pull of the flags, the pull before the reconcile
    assert jobs.count("sync_job") == 6
    assert jobs.count("quote_deal_job") == 4  # one per flagged deal, one deal per CRM per round
    assert jobs.count("push_job") == 4  # the quotes, then the orders
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
    assert len(orders) == 4 and len(licenses) >= 4
    assert {o.order_number for o in story.orders} <= {o.number for o in orders}
    for q, o in zip(story.quoted, story.orders, strict=True):  # read back from the CRMs
        assert (
            story.on_crm[f"{q.connection} deal {q.deal.crm_id}"] == f"shows quote {q.quote.number}"
        )
        assert story.on_crm[f"{q.connection} order {o.order_number}"].lower() == "status paid"
    assert story.drift_checks[1] > 0
    assert (
        story.renewals["failed"] == 0
        and story.commissions["period"] == str(story.renewals["as_of"])[:7]
    )
    assert story.refused_webhooks == 0 and story.webhooks
    assert {w.event_id for w in story.webhooks} <= {str(e.id) for e in delivered}
