"""The pull assets against the sandboxes: figures as metadata, the core filled, checks that judge."""

from __future__ import annotations

from typing import Any

import dagster as dg
import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from dagster_defs.checks import sync_checks
from dagster_defs.naming import object_key, quotes_key
from dagster_defs.pulls import pull_assets
from dagster_defs.quotes import quotes_asset
from mappings import load_mapping
from order_core.deals.models import Deal
from order_core.quotes.models import DealQuoteRequest
from order_core.sync.cursors import read_cursor
from tests.dagster_defs.conftest import Orchestra


def _metadata(result: dg.ExecuteInProcessResult, key: dg.AssetKey) -> dict[str, Any]:
    found = [
        m.materialization.metadata
        for m in result.get_asset_materialization_events()
        if m.materialization.asset_key == key
    ]
    assert len(found) == 1
    return {k: v.value for k, v in found[0].items()}


def _checks(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str], bool]:
    return {
        (e.asset_key.path[-1], e.check_name): e.passed for e in result.get_asset_check_evaluations()
    }


def _count(orchestra: Orchestra, model: Any, *where: Any) -> int:
    with Session(orchestra.engine) as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def _objects(orchestra: Orchestra, name: str) -> list[str]:
    return load_mapping(orchestra.connections[name].mapping_path).objects


def test_pull_then_quote_a_connection_through_materialize(orchestra: Orchestra) -> None:
    conn, deals = orchestra.connections["acme-sf"], object_key("acme-sf", "Opportunity")
    pull = pull_assets(conn, _objects(orchestra, "acme-sf"))
    assert deals in pull.keys and len(pull.keys) >= 3
    resources = orchestra.resources("acme-sf")

    first = dg.materialize([pull], resources=resources)
    assert first.success
    figures = _metadata(first, deals)
    created = _count(orchestra, Deal, col(Deal.source) == "acme-sf")
    assert figures["read"] > 0 and figures["created"] == created > 0
    assert figures["read"] == sum(
        figures[o] for o in ("created", "updated", "deleted", "unchanged", "quarantined")
    )
    assert figures["api_calls"] > 0 and figures["budget_left"] > 0
    assert figures["status"] == "ok" and figures["duration_seconds"] >= 0
    with Session(orchestra.engine) as session:
        stamp, last_id = read_cursor(session, "acme-sf", "Opportunity") or (None, "")
    assert stamp is not None and figures["cursor"] == f"{stamp} {last_id}"
    assert isinstance(figures["quarantine_reasons"], str)

    repeat = _metadata(dg.materialize([pull], resources=resources), deals)
    assert (repeat["created"], repeat["updated"]) == (0, 0)  # a re-run writes nothing

    quotes = dg.materialize(
        [quotes_asset(conn, [deals])], resources={"database": orchestra.database}
    )
    made = _metadata(quotes, quotes_key("acme-sf"))
    flagged = _count(
        orchestra, Deal, col(Deal.source) == "acme-sf", col(Deal.quote_requested).is_(True)
    )
    assert made["requests"] == flagged > 0
    assert _count(orchestra, DealQuoteRequest) == flagged
    assert made["quoted"] + made["refused"] == flagged
    assert "| deal | outcome |" in made["requests_table"]


def test_sync_checks_fail_before_the_first_pull_and_pass_after(
    orchestra: Orchestra, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn, objects = orchestra.connections["emea-hs"], _objects(orchestra, "emea-hs")
    pull, checks = pull_assets(conn, objects), sync_checks("emea-hs", objects)
    only_checks = dg.AssetSelection.checks(*checks)
    db = orchestra.resources("emea-hs")

    before = _checks(dg.materialize([pull, *checks], resources=db, selection=only_checks))
    assert len(before) == 2 * len(objects)
    assert not any(p for (_, check), p in before.items() if check == "cursor_fresh")
    assert all(p for (_, check), p in before.items() if check == "quarantine_below_threshold")

    run = dg.materialize([pull, *checks], resources=orchestra.resources("emea-hs"))
    assert run.success
    after = _checks(run)
    assert len(after) == 2 * len(objects) and all(after.values())

    held = {o: _metadata(run, object_key("emea-hs", o))["quarantined"] for o in objects}
    monkeypatch.setenv("CHANNELSYNC_DAGSTER_QUARANTINE_THRESHOLD", "0")
    strict = _checks(dg.materialize([pull, *checks], resources=db, selection=only_checks))
    for obj in objects:
        assert strict[(obj, "quarantine_below_threshold")] == (held[obj] == 0)
