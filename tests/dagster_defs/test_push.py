"""The push-back asset, its checks, push_job and the crm_outbox sensor, against the sandboxes."""

from __future__ import annotations

import dagster as dg
from sqlmodel import Session, col, select

from dagster_defs.naming import object_key, quotes_key
from dagster_defs.pulls import pull_assets
from dagster_defs.push import crm_outbox_sensor, push_asset, push_job, push_key
from dagster_defs.quotes import quotes_asset
from mappings import load_mapping
from order_core.deals.models import Deal
from order_core.outbox import OutboxEvent
from order_core.pushback.fanout import connection_prefix
from order_core.quotes.models import DealQuoteRequest, Quote
from tests.dagster_defs.conftest import Orchestra


def _tick(sensor: dg.SensorDefinition, orchestra: Orchestra) -> list[dg.RunRequest]:
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(
            instance=instance, resources={"database": orchestra.database}
        )
        return list(sensor.evaluate_tick(context).run_requests or [])


def test_quotes_go_back_to_the_crm_deals_through_the_push_asset(orchestra: Orchestra) -> None:
    conn = orchestra.connections["acme-sf"]
    objects = load_mapping(conn.mapping_path).objects
    resources = orchestra.resources("acme-sf")
    pull = pull_assets(conn, objects)
    quotes = quotes_asset(conn, [object_key("acme-sf", "Opportunity")])
    push = push_asset(conn, [quotes_key("acme-sf")])
    sensor = crm_outbox_sensor(push_job(["acme-sf", "emea-hs"]))
    assert dg.materialize([pull, quotes], resources=resources).success
    assert len(_tick(sensor, orchestra)) == 1  # the quotes' crm.deal events are due

    run = dg.materialize([pull, quotes, push], resources=resources, selection=[push_key("acme-sf")])
    assert run.success
    (mat,) = [
        e.materialization
        for e in run.get_asset_materialization_events()
        if e.materialization.asset_key == push_key("acme-sf")
    ]
    figures: dict[str, object] = {k: v.value for k, v in mat.metadata.items()}
    assert figures["status"] == "ok"
    assert figures["fanned_out"] != 0 and figures["crm_calls"] != 0

    with Session(orchestra.engine) as session:
        requests = session.exec(select(DealQuoteRequest)).all()
        deal_of = {r.deal_id: session.get(Deal, r.deal_id) for r in requests}
        quote_of = {
            r.deal_id: session.get(Quote, r.quote_id) if r.quote_id else None for r in requests
        }
        waiting = session.exec(
            select(OutboxEvent).where(
                col(OutboxEvent.topic).startswith(connection_prefix("acme-sf")),
                OutboxEvent.status == "pending",
            )
        ).all()
    assert waiting == []  # what is left is the other connection's share
    assert requests
    client = orchestra.sandboxes.sf.client()
    for request in requests:
        deal, quote = deal_of[request.deal_id], quote_of[request.deal_id]
        assert deal is not None
        on_crm = client.Opportunity.get(deal.crm_id)
        assert on_crm["Quote_Requested__c"] is False  # the request answered clears the flag
        if quote is not None:
            assert on_crm["Channelsync_Quote_Number__c"] == quote.number
        else:
            assert on_crm["Channelsync_Sync_Note__c"] == request.reason


def test_push_job_pushes_every_connection_and_checks_its_outbox(orchestra: Orchestra) -> None:
    assert orchestra.defs.resolve_job_def("sync_job").execute_in_process().success
    result = orchestra.defs.resolve_job_def("push_job").execute_in_process()
    assert result.success
    pushed = {e.materialization.asset_key for e in result.get_asset_materialization_events()}
    assert pushed == {push_key("acme-sf"), push_key("emea-hs")}
    checks = {(e.asset_key, e.check_name): e.passed for e in result.get_asset_check_evaluations()}
    for name in ("acme-sf", "emea-hs"):
        assert checks[(push_key(name), "no_dead_letters")]
        assert checks[(push_key(name), "outbox_lag")]
