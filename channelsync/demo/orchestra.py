"""The demo's Dagster side: the persistent instance ``channelsync ui`` opens, the Definitions on the
demo's CRMs and core, and running their jobs and sensors on that instance (so the UI shows them).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

from channelsync.cli.ui import prepare_home
from connector.connections import load_connections
from dagster_defs.definitions import build_defs
from dagster_defs.naming import object_key
from dagster_defs.resources import CoreDatabase
from dagster_defs.sensors import quote_request_sensor
from dagster_defs.settings import DagsterSettings
from mappings import load_mapping

#: Dagster's own step log stays out of the demo's output (the UI has it all).
QUIET: dict[str, Any] = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


@dataclass
class Orchestra:
    """The Definitions the demo runs and the instance its runs are stored in."""

    defs: dg.Definitions
    instance: dg.DagsterInstance
    database: CoreDatabase
    objects: dict[str, list[str]]  # per connection, the CRM objects its mapping pulls
    home: Path

    @property
    def connections(self) -> list[str]:
        """The connections' names."""
        return list(self.objects)

    def pull_keys(self) -> list[dg.AssetKey]:
        """Every connection's pull assets (the sync job without its quotes)."""
        return [object_key(n, o) for n, objects in self.objects.items() for o in objects]

    def run(
        self,
        job: str,
        *,
        assets: Sequence[dg.AssetKey] | None = None,
        config: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> dg.ExecuteInProcessResult:
        """Run ``job`` (only ``assets`` of it, if given) on the instance; a failed run raises."""
        result = self.defs.resolve_job_def(job).execute_in_process(
            run_config={**QUIET, **(config or {})},
            instance=self.instance,
            asset_selection=assets,
            tags=dict(tags or {}),
        )
        assert result.success  # execute_in_process raises on a failed step
        return result

    def quote_requests(self) -> list[dg.RunRequest]:
        """One tick of the quote-request sensor: a run request per flagged deal and CRM stamp."""
        sensor = quote_request_sensor(self.connections)
        context = dg.build_sensor_context(
            instance=self.instance, resources={"database": self.database}
        )
        return list(sensor.evaluate_tick(context).run_requests or [])


def open_orchestra(connections_file: Path, secrets: Mapping[str, str], url: str) -> Orchestra:
    """The Definitions for ``connections_file`` on the core at ``url``, and the local instance
    (``CHANNELSYNC_DAGSTER_HOME``, else ``DAGSTER_HOME``, else ``~/.cache/channelsync/dagster``)."""
    os.environ.update(secrets)  # the CRM resources read them, as any deployment's would
    home = prepare_home(DagsterSettings().dagster_home())
    os.environ["DAGSTER_HOME"] = str(home)
    conns = load_connections(connections_file)
    database = CoreDatabase(url=url)
    defs = build_defs(conns, str(connections_file), database)
    instance = dg.DagsterInstance.from_config(str(home))
    objects = {n: load_mapping(c.mapping_path).objects for n, c in conns.items()}
    return Orchestra(defs, instance, database, objects, home)
