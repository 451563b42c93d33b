"""Command groups imported when a command line names them: ``channelsync sync pull`` loads the
sync commands, not the catalog loader, the sandboxes or the web app (about a second at start)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Any, ClassVar

import typer
from typer import _click  # Typer's own copy of click, whose types its groups use
from typer.core import TyperGroup


def _command(name: str, target: str) -> _click.Command:
    """The click command of ``module:attribute``: a Typer app (a group) or a command function."""
    module, attribute = target.split(":")
    found = getattr(importlib.import_module(module), attribute)
    if isinstance(found, typer.Typer):  # a group even with one command (``db upgrade``)
        command: _click.Command = typer.main.get_group(found)
    else:
        single = typer.Typer()
        single.command(name)(found)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyCommands(MutableMapping[str, _click.Command]):
    """A group's commands by name, each imported on first use. Names and membership import
    nothing; reading every command (the help, a walk over ``items()``) imports all."""

    def __init__(self, targets: dict[str, str]) -> None:
        self._targets = dict(targets)  # name -> module:attribute, in order
        self._loaded: dict[str, _click.Command] = {}

    def __getitem__(self, name: str) -> _click.Command:
        if name not in self._loaded:
            self._loaded[name] = _command(name, self._targets[name])  # KeyError: no such command
        return self._loaded[name]

    def __setitem__(self, name: str, command: _click.Command) -> None:
        self._targets.setdefault(name, "")
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._targets[name]
        self._loaded.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._targets

    def __iter__(self) -> Iterator[str]:
        return iter(self._targets)

    def __len__(self) -> int:
        return len(self._targets)


class LazyGroup(TyperGroup):
    """A group whose subcommands are its ``TARGETS``, imported as they are named."""

    #: name -> ``module:attribute`` (a Typer app or a command function), in the help's order.
    TARGETS: ClassVar[dict[str, str]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.commands:
            raise TypeError("a LazyGroup's commands are its TARGETS, not registered on the app")
        self.commands = LazyCommands(self.TARGETS)

    def list_commands(self, ctx: _click.Context) -> list[str]:
        """The names, in order, without importing their commands."""
        return list(self.commands)
