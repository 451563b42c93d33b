"""Targeted pulls end to end: webhook-queued requests fetch exactly the named HubSpot records through
hubspot-api-client, apply them, leave the cursor alone, and end as dead letters when unservable."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy.engine import Engine
from sqlmodel import select

from connector.sync.requested import pull_requested
from order_core.actors import Actor
from order_core.db import new_session
from order_core.outbox import OutboxEvent
from order_core.sync.pull_requests import PULL_REQUEST_TOPIC, request_pull
from tests.e2e.conftest import PullerFactory, Sandboxes
from tests.e2e.probes import cursors, deal_by_crm_id

ADMIN = Actor.vendor("admin")


def _queue(core: Engine, connection: str, obj: str, ids: list[str]) -> None:
    with new_session(core) as session:
        request_pull(connection, obj, ids, session=session, actor=ADMIN, notifications=len(ids))


def _requests(core: Engine) -> list[tuple[str, str, str]]:
    with new_session(core) as session:
        rows = session.exec(select(OutboxEvent).where(OutboxEvent.topic == PULL_REQUEST_TOPIC))
        return sorted(
            (e.aggregate_id, json.loads(e.payload)["object"], e.status) for e in rows.all()
        )


def test_a_queued_request_pulls_exactly_the_named_records(
    sandboxes: Sandboxes, puller: PullerFactory, core: Engine
) -> None:
    p = puller("emea-hs")
    assert p.run().status == "ok"
    hs = sandboxes.hs
    deal = str(hs.app.records("deals")[0].id)
    # Changed without a new stamp: an incremental pull cannot see it, only a targeted one can.
    hs.app.change_record("deals", deal, {"amount": "4321.5"}, bump=False)
    saved = cursors(core, "emea-hs")
    _queue(core, "emea-hs", "deals", [deal, "999999999"])  # the second one is not in the CRM
    _queue(core, "emea-hs", "tickets", ["1"])  # not an object this connection maps
    _queue(core, "acme-sf", "Opportunity", ["006000000000001AAA"])  # another connection's
    hs.app.reset_log()

    done = pull_requested(p)

    assert (done.requests, done.delivered, done.dead_lettered, done.missing) == (2, 1, 1, 1)
    assert (done.total("read"), done.total("updated"), done.total("created")) == (1, 1, 0)
    row = deal_by_crm_id(core, "emea-hs", deal)
    assert row is not None and row["amount"] == Decimal("4321.5")
    assert cursors(core, "emea-hs") == saved
    calls = hs.app.calls()
    assert calls.get("deals.batch.read") == 1 and "deals.search" not in calls, calls
    assert _requests(core) == [
        ("acme-sf", "Opportunity", "pending"),
        ("emea-hs", "deals", "delivered"),
        ("emea-hs", "tickets", "dead"),
    ]
    with new_session(core) as session:
        dead = session.exec(
            select(OutboxEvent).where(
                OutboxEvent.status == "dead", OutboxEvent.topic == PULL_REQUEST_TOPIC
            )
        ).one()
        assert dead.last_error == "connection 'emea-hs' maps no object 'tickets' (it maps companies, contacts, deals, line_items)"  # fmt: skip

    again = pull_requested(p)
    assert (again.requests, again.total("read")) == (0, 0)


def test_salesforce_requests_read_by_id_and_an_unchanged_record_writes_nothing(
    sandboxes: Sandboxes, puller: PullerFactory, core: Engine
) -> None:
    p = puller("acme-sf")
    assert p.run().status == "ok"
    rows = sandboxes.sf.app.store.records["Opportunity"].values()
    opps = sorted(str(r["Id"]) for r in rows if not r["IsDeleted"])[:2]
    sandboxes.sf.app.admin_api.change_record("Opportunity", opps[0], {"Amount": 777})
    _queue(core, "acme-sf", "Opportunity", opps)

    done = pull_requested(p)

    assert (done.requests, done.delivered, done.missing) == (1, 1, 0)
    assert (done.total("read"), done.total("updated"), done.total("unchanged")) == (2, 1, 1)
    row = deal_by_crm_id(core, "acme-sf", opps[0])
    assert row is not None and row["amount"] == Decimal(777)
