"""The CLI's Rich consoles, made at each use: as wide as the terminal (or ``COLUMNS``) is then.

A console made once at import keeps the width of that moment, whatever the terminal does after.
"""

from __future__ import annotations

from rich.console import Console


def out() -> Console:
    """Standard output."""
    return Console()


def err() -> Console:
    """Standard error: how a run ended when not well, one line apart from the report."""
    return Console(stderr=True)
