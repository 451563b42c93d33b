"""Asset checks: quarantine under a threshold, fresh pulls, no dead letters, no outbox lag."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta

import dagster as dg

from dagster_defs.metadata import dead_letters_table, top_reasons
from dagster_defs.naming import ACTOR, ident, object_key
from dagster_defs.resources import CoreDatabase
from dagster_defs.settings import DagsterSettings
from order_core.db import session_scope
from order_core.outbox.backlog import outbox_backlog
from order_core.outbox.dead_letters import list_dead_letters
from order_core.sync.quarantine import quarantine_reasons
from order_core.sync.runs import sync_status
from order_core.types import utcnow

#: A pull that is running or stopped by the API budget (it resumes next run) still counts as fresh.
_ALIVE = ("ok", "running", "stopped")


def _specs(check: str, keys: Iterable[dg.AssetKey], description: str) -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(check, asset=key, description=description) for key in keys]


def sync_checks(name: str, objects: list[str]) -> list[dg.AssetChecksDefinition]:
    """The quarantine and freshness checks of each object of connection ``name``."""
    keys = {obj: object_key(name, obj) for obj in objects}

    @dg.multi_asset_check(
        name=f"quarantine_{ident(name)}",
        specs=_specs(
            "quarantine_below_threshold",
            keys.values(),
            "Records held in quarantine stay at or under CHANNELSYNC_DAGSTER_QUARANTINE_THRESHOLD.",
        ),
    )
    def _quarantine(database: CoreDatabase) -> Iterator[dg.AssetCheckResult]:
        threshold = DagsterSettings().quarantine_threshold
        with database.engine() as engine, session_scope(engine) as session:
            reasons = quarantine_reasons(session=session, actor=ACTOR, source=name)
        for obj, key in keys.items():
            held = sum(reasons.get(obj, {}).values())
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name="quarantine_below_threshold",
                passed=held <= threshold,
                metadata={
                    "quarantined": held,
                    "threshold": threshold,
                    "reasons": top_reasons(reasons.get(obj, {})),
                },
            )

    @dg.multi_asset_check(
        name=f"cursor_fresh_{ident(name)}",
        specs=_specs(
            "cursor_fresh",
            keys.values(),
            "A pull of the connection started within CHANNELSYNC_DAGSTER_CURSOR_MAX_AGE_MINUTES "
            "and the last one did not fail.",
        ),
    )
    def _fresh(database: CoreDatabase) -> Iterator[dg.AssetCheckResult]:
        max_age = timedelta(minutes=DagsterSettings().cursor_max_age_minutes)
        with database.engine() as engine, session_scope(engine) as session:
            status = sync_status([name], session=session, actor=ACTOR)[0]
        run, now = status.last_run, utcnow()
        cursors = {o.crm_object: o for o in status.objects}
        fresh = run is not None and run.status in _ALIVE and now - run.started_at <= max_age
        for obj, key in keys.items():
            cursor = cursors.get(obj)
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name="cursor_fresh",
                passed=fresh,
                metadata={
                    "last_run": "never" if run is None else run.status,
                    "last_run_started": "" if run is None else run.started_at.isoformat(),
                    "max_age_minutes": int(max_age.total_seconds() // 60),
                    "cursor": ""
                    if cursor is None or cursor.stamp is None
                    else f"{cursor.stamp.isoformat()} {cursor.last_id}",
                },
            )

    return [_quarantine, _fresh]


def dead_letter_check(asset: dg.AssetKey, topic_prefix: str) -> dg.AssetChecksDefinition:
    """No dead letter of ``topic_prefix``; the oldest ones as a table when there are."""

    @dg.asset_check(
        asset=asset,
        name="no_dead_letters",
        description=f"No {topic_prefix}* event gave up (`channelsync sync dead-letters` re-queues).",
    )
    def _dead_letters(database: CoreDatabase) -> dg.AssetCheckResult:
        with database.engine() as engine, session_scope(engine) as session:
            dead = list_dead_letters(session=session, actor=ACTOR, topic_prefix=topic_prefix)
        return dg.AssetCheckResult(
            passed=not dead,
            metadata={"dead_letters": len(dead), "oldest": dead_letters_table(dead)},
        )

    return _dead_letters


def outbox_lag_check(asset: dg.AssetKey, topic_prefix: str) -> dg.AssetChecksDefinition:
    """No ``topic_prefix`` event has waited longer than CHANNELSYNC_DAGSTER_OUTBOX_MAX_LAG_MINUTES."""

    @dg.asset_check(
        asset=asset,
        name="outbox_lag",
        description=f"No pending {topic_prefix}* event waits longer than "
        "CHANNELSYNC_DAGSTER_OUTBOX_MAX_LAG_MINUTES.",
    )
    def _lag(database: CoreDatabase) -> dg.AssetCheckResult:
        max_lag = DagsterSettings().outbox_max_lag_minutes
        with database.engine() as engine, session_scope(engine) as session:
            backlog = outbox_backlog(session=session, actor=ACTOR, topic_prefix=topic_prefix)
        oldest = backlog.oldest_created_at
        lag = 0.0 if oldest is None else (utcnow() - oldest).total_seconds() / 60
        return dg.AssetCheckResult(
            passed=lag <= max_lag,
            metadata={
                "pending": backlog.pending,
                "due": backlog.due,
                "lag_minutes": round(lag, 1),
                "max_lag_minutes": max_lag,
            },
        )

    return _lag
