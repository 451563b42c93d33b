"""``channelsync sync push`` against both sandboxes: the report per topic, and a mapping without a
``push:`` section refused in one line before anything is written."""

from __future__ import annotations

from sqlmodel import col, select

from channelsync.cli.core_db import CLI_ACTOR
from order_core.db import new_session
from order_core.deals.models import Deal
from order_core.outbox import OutboxEvent
from order_core.quotes.from_deals import quote_requested_deals
from tests.channelsync.test_cli_sync import Cli, cli
from tests.e2e.probes import ROOT

__all__ = ["cli"]


def test_push_reports_each_topic_and_clears_the_requests(cli: Cli) -> None:
    cli.monkeypatch.setenv("COLUMNS", "250")
    assert cli.run("sync", "pull")[0] == 0
    with new_session(cli.engine) as session:
        results = quote_requested_deals(session, "acme-sf", CLI_ACTOR)
    assert results  # the seed flags some deals
    code, out, err = cli.run("sync", "push", "--connection", "acme-sf")
    assert (code, err) == (0, ""), err
    for text in ("acme-sf: ok", "crm:acme-sf:quote", "crm:acme-sf:deal", "crm:acme-sf:order"):
        assert text in out, text
    flagged = [r.deal_id for r in results]
    with new_session(cli.engine) as session:
        pending = session.exec(
            select(OutboxEvent.topic).where(
                col(OutboxEvent.topic).startswith("crm"), OutboxEvent.status == "pending"
            )
        ).all()
        crm_ids = session.exec(select(Deal.crm_id).where(col(Deal.id).in_(flagged))).all()
    # Everything fanned out; the other connection's copies wait for its own push.
    assert {t for t in pending if not t.startswith("crm:emea-hs:")} == set()
    flags = {cli.sf.app.admin_api.record("Opportunity", i)["Quote_Requested__c"] for i in crm_ids}
    assert flags == {False}


def test_a_mapping_without_a_push_section_is_refused(cli: Cli) -> None:
    shipped = (ROOT / "mappings" / "salesforce.yaml").read_text(encoding="utf-8")
    mapping = cli.folder / "salesforce.yaml"
    mapping.write_text(shipped[: shipped.index("# core -> Salesforce")], encoding="utf-8")
    real = (cli.folder / "connections.yaml").read_text(encoding="utf-8")
    cli.connections(real.replace(str(ROOT / "mappings" / "salesforce.yaml"), str(mapping)))
    err = cli.refused("sync", "push", "-c", "acme-sf")
    assert "has no push: section" in err and str(mapping) in err
    err = cli.refused("sync", "push", "-c", "nowhere")
    assert "no connection named nowhere" in err
