"""An order the push first meets in a status the Salesforce org puts in the Activated category gets
its products: it is written as a draft, its lines go on, then one update per batch sets the target
statuses. Counted over the wire (per sandbox route), and checked in what Salesforce holds; an order
activated there already still dead-letters its changed lines, until it is a draft there again."""

from __future__ import annotations

import json
from decimal import Decimal

from connector.push.run import open_writes, push_with
from order_core.db import new_session
from order_core.outbox.dead_letters import list_dead_letters, requeue_dead_letters
from tests.e2e.push_world import (
    ADMIN,
    DESK,
    SF,
    PushWorld,
    advance,
    order_from_quote,
    order_lines,
    quote_with_lines,
)
from tests.e2e.test_push_activated_order import _grow, _sf_lines, _sf_order

#: Statuses an admin might put in the Activated category (the order's later life).
LATE = {"Activated", "Fulfilled", "Invoiced", "Paid"}


def _invoiced(world: PushWorld, quote_id: int, n: int) -> str:
    """An order placed, accepted and fulfilled (then invoiced) with no push in between."""
    number = order_from_quote(world.engine, quote_id, n)
    assert advance(world.engine, number, "accept") == "accepted"
    assert advance(world.engine, number, "fulfil") == "invoiced"
    return number


def _three_invoiced(world: PushWorld) -> list[str]:
    """Three invoiced orders of one quote in an org whose late statuses are activated; the
    sandbox's call log starts after them."""
    app = world.sandboxes.sf.app
    quote = quote_with_lines(world, SF)
    app.admin_api.set_activated_order_statuses(LATE)
    numbers = [_invoiced(world, quote.id or 0, n) for n in range(3)]
    app.reset_log()
    return numbers


def _core_lines(world: PushWorld, number: str) -> dict[str, Decimal]:
    return {
        f"{number}-{ln.line_no}": Decimal(ln.quantity) for ln in order_lines(world.engine, number)
    }


def _statuses_sent(world: PushWorld, route: str) -> list[str]:
    """The Order ``Status`` values of every record sent on ``route`` (in order)."""
    sent = []
    for req in world.sandboxes.sf.app.requests(route):
        for rec in json.loads(req.body)["records"]:
            if rec["attributes"]["type"] == "Order":
                sent.append(rec["Status"])
    return sent


def test_orders_first_pushed_activated_get_their_lines_then_their_status(
    world: PushWorld,
) -> None:
    app = world.sandboxes.sf.app
    numbers = _three_invoiced(world)

    report = world.push(SF)

    assert report.status == "ok" and report.dead_lettered == 0, report.as_dict()
    for number in numbers:
        order = _sf_order(world, number)
        assert (order["Status"], order["StatusCode"]) == ("Invoiced", "Activated")
        assert {k: Decimal(str(q)) for k, (q, _) in _sf_lines(world, number).items()} == (
            _core_lines(world, number)
        )
    # The three orders share the sequence: the categories and the orders' Salesforce statuses
    # read once each, one upsert of the orders (as drafts), one of their lines, one update of
    # their statuses; the rest is the login and the price book look-ups any push of lines makes.
    assert app.calls() == {
        "oauth.token": 1,
        "query": 4,  # OrderStatus, the orders' statuses, the standard price book, its entries
        "composite.upsert": 2,
        "composite.update": 1,
    }, app.calls()
    assert _statuses_sent(world, "composite.upsert") == ["Draft"] * 3
    assert _statuses_sent(world, "composite.update") == ["Invoiced"] * 3
    queried = [r.query["q"][0].split(" FROM ")[1].split()[0] for r in app.requests("query")]
    assert queried == ["Pricebook2", "OrderStatus", "Order", "PricebookEntry"]


def test_each_batch_stages_its_own_orders_and_the_run_reads_the_categories_once(
    world: PushWorld,
) -> None:
    app = world.sandboxes.sf.app
    numbers = _three_invoiced(world)
    writes, _ = open_writes(world.connections[SF])

    report = push_with(SF, world.engine, list(world.connections), writes, 1)  # a batch an event

    assert report.status == "ok" and report.dead_lettered == 0, report.as_dict()
    # Four events an order (placed, accepted, fulfilled, invoiced), one a batch: the placed one
    # carries the lines, so it stages its order; the later ones only write the status again.
    assert report.topics[f"crm:{SF}:order"].batches == 12, report.as_dict()
    queried = [r.query["q"][0].split(" FROM ")[1].split()[0] for r in app.requests("query")]
    assert queried.count("OrderStatus") == 1 and queried.count("Order") == 3, queried
    assert app.calls()["composite.update"] == 3
    for number in numbers:
        assert _sf_order(world, number)["Status"] == "Invoiced"
        assert len(_sf_lines(world, number)) == len(_core_lines(world, number))


def test_orders_going_to_a_draft_status_cost_one_query_more_than_before(
    world: PushWorld,
) -> None:
    app = world.sandboxes.sf.app
    quote = quote_with_lines(world, SF)  # the org's default: only "Activated" is activated
    numbers = [_invoiced(world, quote.id or 0, n) for n in range(3)]
    app.reset_log()

    report = world.push(SF)

    assert report.status == "ok" and report.dead_lettered == 0, report.as_dict()
    assert app.calls() == {"oauth.token": 1, "query": 3, "composite.upsert": 2}, app.calls()
    assert _statuses_sent(world, "composite.upsert") == ["Invoiced"] * 3
    for number in numbers:
        assert _sf_order(world, number)["StatusCode"] == "Draft"
        assert len(_sf_lines(world, number)) == len(_core_lines(world, number))
    # A later run with no order lines to write reads no categories.
    for number in numbers:
        assert advance(world.engine, number, "pay") == "paid"
    app.reset_log()
    assert world.push(SF).dead_lettered == 0
    assert app.calls() == {"oauth.token": 1, "composite.upsert": 1}, app.calls()


def test_an_order_activated_in_salesforce_still_dead_letters_its_changed_lines(
    world: PushWorld,
) -> None:
    admin = world.sandboxes.sf.app.admin_api
    quote = quote_with_lines(world, SF)
    number = order_from_quote(world.engine, quote.id or 0, policy=DESK)  # pending approval
    assert world.push(SF).dead_lettered == 0
    before = _sf_lines(world, number)
    admin.set_activated_order_statuses({"Activated", "Pending Approval"})
    new_key = _grow(world, number)

    report = world.push(SF)

    assert report.dead_lettered >= 1, report.as_dict()
    assert _sf_lines(world, number) == before and new_key not in _sf_lines(world, number)
    assert _sf_order(world, number)["Status"] == "Pending Approval"
    with new_session(world.engine) as session:
        dead = list_dead_letters(session=session, actor=ADMIN, topic_prefix="crm:")
    letters = [d for d in dead if d.aggregate_id == number]
    assert letters and len(letters) == report.dead_lettered
    for letter in letters:
        assert (letter.last_error or "").startswith(
            f"order {number} is activated in Salesforce (status 'Pending Approval')"
        )
    # Moved to Draft in Salesforce by hand, the order is a draft the retry writes first: its
    # lines go on, then its status is set again.
    admin.change_record("Order", str(_sf_order(world, number)["Id"]), {"Status": "Draft"})
    with new_session(world.engine) as session:
        requeue_dead_letters(session=session, actor=ADMIN, ids=[d.id or 0 for d in letters])
    world.sandboxes.sf.app.reset_log()
    again = world.push(SF)
    assert again.dead_lettered == 0 and again.delivered == len(letters), again.as_dict()
    assert _statuses_sent(world, "composite.upsert") == ["Draft"]
    assert _statuses_sent(world, "composite.update") == ["Pending Approval"]
    order = _sf_order(world, number)
    assert (order["Status"], order["StatusCode"]) == ("Pending Approval", "Activated")
    lines = {k: Decimal(str(q)) for k, (q, _) in _sf_lines(world, number).items()}
    assert lines == _core_lines(world, number) and new_key in lines
