"""The ``channelsync`` command line (Typer + Rich)."""

from channelsync.cli.app import main

__all__ = ["main"]
