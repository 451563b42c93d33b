"""The reconciliation drift check: passes after a pull, fails when the CRM changed since, and is
run by reconcile_job, not by the sync job."""

from __future__ import annotations

import dagster as dg

from dagster_defs.naming import object_key
from dagster_defs.pulls import pull_assets
from dagster_defs.reconcile import CHECK, drift_check
from mappings import load_mapping
from tests.dagster_defs.conftest import Orchestra


def _results(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        e.asset_key.path[-1]: e
        for e in result.get_asset_check_evaluations()
        if e.check_name == CHECK
    }


def test_drift_zero_after_a_pull_and_not_after_a_crm_change(orchestra: Orchestra) -> None:
    conn = orchestra.connections["acme-sf"]
    objects = load_mapping(conn.mapping_path).objects
    pull, check = pull_assets(conn, objects), drift_check("acme-sf", objects)
    resources = orchestra.resources("acme-sf")
    only_check = dg.AssetSelection.checks(check)

    assert dg.materialize([pull], resources=resources).success
    clean = _results(dg.materialize([pull, check], resources=resources, selection=only_check))
    assert set(clean) == set(objects) and all(e.passed for e in clean.values())
    deals = {k: v.value for k, v in clean["Opportunity"].metadata.items()}
    assert deals["drift"] == 0 and deals["crm"] == deals["core"] != 0

    deal_id = orchestra.sandboxes.sf.client().query("SELECT Id FROM Opportunity LIMIT 1")
    orchestra.sandboxes.sf.client().Opportunity.update(
        deal_id["records"][0]["Id"], {"Name": "Renamed in the CRM"}
    )
    drifted = _results(dg.materialize([pull, check], resources=resources, selection=only_check))
    assert not drifted["Opportunity"].passed
    assert drifted["Opportunity"].metadata["drift"].value == 1
    assert all(drifted[o].passed for o in objects if o != "Opportunity")


def test_reconcile_job_runs_the_drift_checks_and_the_sync_job_does_not(
    orchestra: Orchestra,
) -> None:
    sync = orchestra.defs.resolve_job_def("sync_job")
    reconcile = orchestra.defs.resolve_job_def("reconcile_job")
    sync_checks = {c.name for c in sync.asset_layer.asset_graph.asset_check_keys}
    assert CHECK not in sync_checks
    assert sync.execute_in_process().success
    result = reconcile.execute_in_process()
    assert result.success
    keys = {(e.asset_key, e.check_name) for e in result.get_asset_check_evaluations()}
    assert (object_key("emea-hs", "deals"), CHECK) in keys
    assert all(e.passed for e in result.get_asset_check_evaluations())
