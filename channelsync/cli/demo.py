"""``channelsync demo``: the whole story through Dagster, on both CRM sandboxes, with no configuration.

Starts the core of CHANNELSYNC_DATABASE_URL (a SQLite file by default) afresh, starts both CRM
sandboxes in-process from their seed, and runs the story of ``channelsync.demo.story`` through the
Dagster jobs on the local instance that ``channelsync ui`` opens; documents go to ``./demo-out/``.
A re-run on the same folder tells the same story again; the instance keeps every earlier run.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from rich.console import Console

from channelsync.cli.core_db import database_url

OUT_DIR = Path("demo-out")
__all__ = ["run_demo"]


def run_demo() -> None:
    """Run the demo's story end to end and print its summary."""
    # Dagster and the story load here, not with the CLI: every other command starts a second sooner.
    import dagster as dg

    from channelsync.demo.story import run_story
    from channelsync.demo.summary import print_summary

    warnings.filterwarnings("ignore", category=dg.BetaWarning)  # Dagster's notes on its own API
    console = Console()
    story = run_story(database_url(), OUT_DIR.resolve(), console)
    instance = story.orchestra.instance
    print_summary(story.rows, len(story.webhooks), story.refused_webhooks, instance, console)
