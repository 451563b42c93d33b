"""The demo's story, step by step through Dagster on the local instance: the core set up, both CRMs
pulled, quote requests quoted and approved, orders on credit with licenses, PRM webhooks delivered.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr
from rich.console import Console

from channelsync.cli.catalog import summary_table
from channelsync.demo.cast import READER
from channelsync.demo.crm import running_crms
from channelsync.demo.orchestra import Orchestra, open_orchestra
from channelsync.demo.order_flow import OrderOutcome
from channelsync.demo.order_step import run_order_step
from channelsync.demo.prm_receiver import Received, running_receiver
from channelsync.demo.quote_step import QuotedDeal, run_quote_step
from channelsync.demo.summary import Rows, story_rows
from order_core.catalog.loader import load_catalog_file
from order_core.db import make_engine, new_session, upgrade_schema

SAMPLE_CATALOG = Path(__file__).resolve().parent.parent / "sample_data" / "catalog.yaml"


@dataclass
class StoryResult:
    """What the story produced, for the summary and the tests."""

    orchestra: Orchestra
    run_ids: list[str] = field(default_factory=list)
    pulled: dict[str, dict[str, int]] = field(default_factory=dict)
    quoted: list[QuotedDeal] = field(default_factory=list)
    orders: list[OrderOutcome] = field(default_factory=list)
    webhooks: list[Received] = field(default_factory=list)
    refused_webhooks: int = 0
    rows: Rows = field(default_factory=list)
    drift_checks: tuple[int, int] = (0, 0)  # passed, run


def prepare_core(url: str, console: Console) -> None:
    """Create or upgrade the core's schema and load the sample catalog (products, programs)."""
    console.rule("0. the core")
    console.print(f"[bold]database[/] {url}")
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


def run_story(url: str, work: Path, console: Console) -> StoryResult:
    """The whole story on the core at ``url``; connections file and documents under ``work``."""
    prepare_core(url, console)
    engine = make_engine(url)
    try:
        with running_crms(work) as crms:
            orchestra = open_orchestra(crms.connections_file, crms.secrets(), url)
            story = StoryResult(orchestra)
            console.rule("1. sync both CRMs (sync_job)")
            sync = orchestra.run("sync_job")
            story.run_ids.append(sync.run_id)
            for event in sync.get_asset_materialization_events():
                mat = event.materialization
                meta = {k: v.value for k, v in mat.metadata.items()}
                story.pulled[mat.asset_key.to_user_string()] = _figures(meta)
            console.print(f"sync_job run {sync.run_id[:8]} pulled {len(story.pulled)} assets")
            secret = SecretStr(secrets.token_hex(32))
            with running_receiver(secret) as prm, new_session(engine) as session:
                story.quoted = run_quote_step(crms, orchestra, session, console)
                story.orders = run_order_step(session, console, story.quoted, prm.url, secret, work)
                console.rule("4. PRM webhooks (prm_delivery_job)")
                delivery = orchestra.run("prm_delivery_job")
                story.run_ids.append(delivery.run_id)
                story.webhooks, story.refused_webhooks = list(prm.accepted), prm.refused
                story.rows = story_rows(story.pulled, story.quoted, story.orders)
            console.print(
                f"the partners' PRM received {len(story.webhooks)} signed webhook(s), "
                f"refused {story.refused_webhooks}"
            )
            console.rule("5. reconciliation (reconcile_job)")
            checks = orchestra.run("reconcile_job").get_asset_check_evaluations()
            story.drift_checks = (sum(c.passed for c in checks), len(checks))
            console.print(
                f"{story.drift_checks[0]} of {len(checks)} CRM objects match the core "
                "(reconciliation_drift_zero)"
                + (
                    "; the sandboxes start from their seed on every run, so what earlier "
                    "runs changed in them shows as drift"
                    if story.drift_checks[0] < len(checks)
                    else ""
                )
            )
            story.rows.append(
                ("reconciliation", f"{story.drift_checks[0]}/{len(checks)} objects without drift")
            )
            return story
    finally:
        engine.dispose()
