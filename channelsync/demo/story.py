"""The demo's story, step by step through Dagster on the local instance: the core set up afresh,
both CRMs pulled, quote requests quoted and approved, orders on credit with licenses, PRM webhooks
delivered, the reconcile, then renewals (the customer renews by its notice's link) and commissions.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr
from rich.console import Console
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from channelsync.cli.catalog import summary_table
from channelsync.demo import SAMPLE_CATALOG
from channelsync.demo.cast import READER
from channelsync.demo.crm import DemoCrms, running_crms
from channelsync.demo.fresh_core import reset_core
from channelsync.demo.mail_sink import MailSink, running_mail_sink
from channelsync.demo.orchestra import Orchestra, open_orchestra
from channelsync.demo.order_flow import OrderOutcome
from channelsync.demo.order_step import run_order_step
from channelsync.demo.prm_receiver import PrmReceiver, Received, running_receiver
from channelsync.demo.programs_step import (
    StatementFile,
    ensure_program,
    program_rows,
    run_commissions_step,
)
from channelsync.demo.push_step import deal_quote_on_crm, order_on_crm, push, statement_on_crm
from channelsync.demo.quote_step import QuotedDeal, run_quote_step
from channelsync.demo.renewal_step import RenewalOutcome, run_renewal_step
from channelsync.demo.summary import Rows, story_rows
from channelsync.demo.web_app import running_web_app
from order_core.catalog.loader import load_catalog_file
from order_core.db import make_engine, new_session, upgrade_schema
from order_core.partners.models import PartnerCrmRef


@dataclass
class StoryResult:
    """What the story produced, for the summary and the tests."""

    orchestra: Orchestra
    pulled: dict[str, dict[str, int]] = field(default_factory=dict)
    quoted: list[QuotedDeal] = field(default_factory=list)
    orders: list[OrderOutcome] = field(default_factory=list)
    webhooks: list[Received] = field(default_factory=list)
    refused_webhooks: int = 0
    rows: Rows = field(default_factory=list)
    on_crm: dict[str, str] = field(default_factory=dict)  # what the CRMs show after the push
    renewals: RenewalOutcome | None = None  # the renewal run and the customer's renewals
    commissions: dict[str, object] = field(default_factory=dict)  # the commission run's figures
    statements: list[StatementFile] = field(default_factory=list)
    drift_checks: tuple[int, int] = (0, 0)  # passed, run


def prepare_core(url: str, console: Console) -> None:
    """Start the core afresh (see ``fresh_core``) and load the sample catalog (products, programs)."""
    console.rule("0. the core")
    console.print(f"[bold]database[/] {url}")
    if reset_core(url):
        console.print(
            "the earlier demo's core was dropped: the story starts afresh, as the CRMs do"
        )
    upgrade_schema(url)
    engine = make_engine(url)
    try:
        with new_session(engine) as session:
            result = load_catalog_file(SAMPLE_CATALOG, session=session, actor=READER)
            console.print(summary_table(result, f"sample catalog {SAMPLE_CATALOG.name}"))
    finally:
        engine.dispose()


def _figures(metadata: Mapping[str, object]) -> dict[str, int]:
    return {
        k: int(str(metadata[k]))
        for k in ("read", "created", "updated", "quarantined")
        if k in metadata
    }


def sync(story: StoryResult, console: Console) -> None:
    """Step 1: the sync job pulls both CRMs (and quotes the deals their seed flagged)."""
    console.rule("1. sync both CRMs (sync_job)")
    result = story.orchestra.run("sync_job")
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        meta = {k: v.value for k, v in mat.metadata.items()}
        story.pulled[mat.asset_key.to_user_string()] = _figures(meta)
    console.print(f"sync_job run {result.run_id[:8]} materialized {len(story.pulled)} assets")


def push_back(story: StoryResult, crms: DemoCrms, console: Console, what: str) -> None:
    """The push job writes ``what`` back to both CRMs; what the CRMs show is read back."""
    console.rule(f"push-back (push_job): {what}")
    delivered = push(story.orchestra)
    console.print(
        ", ".join(f"{conn}: {n} event(s) written to the CRM" for conn, n in delivered.items())
    )
    for q in story.quoted:
        number = deal_quote_on_crm(crms, q.connection, q.deal.crm_id)
        story.on_crm[f"{q.connection} deal {q.deal.crm_id}"] = f"shows quote {number or '-'}"
    for q, o in zip(story.quoted, story.orders, strict=False):
        status = order_on_crm(crms, q.connection, o.order_number)
        story.on_crm[f"{q.connection} order {o.order_number}"] = f"status {status or '-'}"
    for what_on_crm, shown in story.on_crm.items():
        console.print(f"{what_on_crm} {shown}")


def renewals_on_crm(story: StoryResult, crms: DemoCrms, session: Session, console: Console) -> None:
    """What the CRMs show after the last push: the renewal orders, the partners' statements."""
    assert story.renewals is not None
    before = set(story.on_crm)
    for renewed in story.renewals.renewed:
        for connection in story.orchestra.connections:
            status = order_on_crm(crms, connection, renewed.order_number)
            if status:
                story.on_crm[f"{connection} order {renewed.order_number}"] = f"status {status}"
    accounts = [
        (statement.period, ref.source, ref.crm_id)
        for statement in story.statements
        for ref in session.exec(
            select(PartnerCrmRef).where(PartnerCrmRef.partner_id == statement.partner_id)
        )
        if ref.source in story.orchestra.connections
    ]
    session.commit()  # no transaction open while the CRMs are read
    for period, source, crm_id in accounts:
        total = statement_on_crm(crms, source, crm_id)
        story.on_crm[f"{source} account {crm_id}"] = f"statement {period} total {total or '-'}"
    for what_on_crm, shown in story.on_crm.items():
        if what_on_crm not in before:
            console.print(f"{what_on_crm} {shown}")


def deliver_webhooks(story: StoryResult, prm: PrmReceiver, console: Console) -> None:
    """Step 5: the PRM delivery job POSTs the due signed webhooks to the partner's receiver."""
    console.rule("5. PRM webhooks (prm_delivery_job)")
    story.orchestra.run("prm_delivery_job")
    story.webhooks, story.refused_webhooks = list(prm.accepted), prm.refused
    console.print(
        f"the partners' PRM received {len(story.webhooks)} signed webhook(s), "
        f"refused {story.refused_webhooks}"
    )


def reconcile(story: StoryResult, console: Console) -> None:
    """Step 6: a pull brings the flags the push cleared, then the reconcile job compares."""
    console.rule("6. reconciliation (reconcile_job)")
    story.orchestra.run("sync_job", assets=story.orchestra.pull_keys())
    checks = story.orchestra.run("reconcile_job").get_asset_check_evaluations()
    story.drift_checks = (sum(c.passed for c in checks), len(checks))
    console.print(
        f"{story.drift_checks[0]} of {len(checks)} CRM objects match the core "
        "(reconciliation_drift_zero)"
    )


def programs(
    story: StoryResult, engine: Engine, sink: MailSink, work: Path, console: Console
) -> None:
    """Step 4: the renewal run, the customer's renewals, this month's commission run."""
    console.rule("4. renewals (renewals_job), self-renewal, commissions (commissions_job)")
    with new_session(engine) as session:
        ensure_program(session)
    numbers = [o.order_number for o in story.orders]
    story.renewals = run_renewal_step(story.orchestra, engine, sink, numbers, console)
    with new_session(engine) as session:
        story.commissions, story.statements = run_commissions_step(
            story.orchestra, session, work, console
        )


def run_story(url: str, work: Path, console: Console) -> StoryResult:
    """The whole story on the core at ``url``; connections file and documents under ``work``."""
    prepare_core(url, console)
    engine = make_engine(url)
    secret = SecretStr(secrets.token_hex(32))
    try:
        with (
            running_crms(work) as crms,
            running_receiver(secret) as prm,
            running_mail_sink() as sink,
            running_web_app(url),
        ):
            story = StoryResult(open_orchestra(crms.connections_file, crms.secrets(), url))
            sync(story, console)
            with new_session(engine) as session:
                # SQLite: no transaction of this session stays open while a job writes
                story.quoted = run_quote_step(crms, story.orchestra, session, console)
                session.commit()
                push_back(story, crms, console, "the quotes go to the CRM deals")
                session.commit()  # push_back may have loaded a record again
                story.orders = run_order_step(session, console, story.quoted, prm.url, secret, work)
                session.commit()
                push_back(story, crms, console, "orders and end customers go to the CRMs")
                session.commit()
                programs(story, engine, sink, work, console)
                push_back(story, crms, console, "renewal orders and statements go to the CRMs")
                renewals_on_crm(story, crms, session, console)
                deliver_webhooks(story, prm, console)
                story.rows = story_rows(story.pulled, story.quoted, story.orders)
            reconcile(story, console)
            story.rows += list(story.on_crm.items())
            assert story.renewals is not None
            story.rows += program_rows(story.renewals, story.commissions, story.statements)
            passed, ran = story.drift_checks
            story.rows.append(("reconciliation", f"{passed}/{ran} objects without drift"))
            return story
    finally:
        engine.dispose()
