"""The CLI imports only the command group a command line names; the help still lists them all."""

from __future__ import annotations

import subprocess
import sys

import typer
from typer.core import TyperGroup

from channelsync.cli.app import app
from tests.cli_run import run_cli

_PROBE = r"""
import atexit, sys
atexit.register(lambda: print("\nmodules: " + " ".join(sorted(sys.modules))))
sys.argv = ["channelsync", *sys.argv[1:]]
from channelsync.cli.app import main
main()
"""


def _modules_after(*args: str) -> set[str]:
    """The modules a real ``channelsync ARGS`` process had imported when it exited."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, check=True
    )
    last = done.stdout.splitlines()[-1]
    assert last.startswith("modules: ")
    return set(last.split()[1:])


def test_sync_pull_imports_the_sync_commands_only() -> None:
    loaded = _modules_after("sync", "pull", "--help")
    assert "channelsync.cli.sync" in loaded
    for other in ("catalog", "sandbox", "demo", "web", "ui", "orders", "quote", "commissions"):
        assert f"channelsync.cli.{other}" not in loaded
    assert not any(m.startswith(("crm_sandbox", "channelsync.web", "dagster")) for m in loaded)


def test_the_help_lists_every_command_in_order_and_each_resolves() -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    names = list(group.commands)
    assert names[:3] == ["demo", "web", "ui"]
    assert set(names) >= {"db", "catalog", "sync", "sandbox", "renewals", "commissions"}
    resolved = dict(group.commands.items())  # imports them all, as readme_cli's walk does
    assert list(resolved) == names
    assert all(command.name == name for name, command in resolved.items())
    db = resolved["db"]  # a group even with one command: the line is `channelsync db upgrade`
    assert isinstance(db, TyperGroup) and "upgrade" in db.commands
    assert not isinstance(resolved["demo"], TyperGroup)
    help_text = run_cli("--help").out
    for name in names:
        assert name in help_text


def test_an_unknown_command_is_one_line_and_exit_2() -> None:
    result = run_cli("nosuch")
    assert result.code == 2
    assert "No such command 'nosuch'" in result.err
