"""Running the ``channelsync`` command line in-process through its edge (``main``), as a user would."""

from __future__ import annotations

import contextlib
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, select

from channelsync.cli import main
from order_core.models import metadata

ROOT = Path(__file__).resolve().parent.parent
CART = ROOT / "examples" / "cart.json"
RULES = ROOT / "examples" / "pricing_rules.yaml"


@dataclass(frozen=True)
class CliRun:
    """The exit status and what the command wrote to stdout and stderr."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        """The non-empty lines of stderr."""
        return [line for line in self.err.splitlines() if line.strip()]


def run_cli(*args: str) -> CliRun:
    """Run ``channelsync ARGS`` in this process; exceptions the edge lets through propagate.

    The arguments go through ``sys.argv``, as from the console script.
    """
    out, err = io.StringIO(), io.StringIO()
    saved = sys.argv
    sys.argv = ["channelsync", *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            else:  # pragma: no cover - main always exits
                code = 0
    finally:
        sys.argv = saved
    return CliRun(code, out.getvalue(), err.getvalue())


def assert_one_line(result: CliRun, *needles: str, code: int = 1) -> str:
    """Exactly one ``error:`` line on stderr, the expected status, no traceback; returns the line."""
    assert result.code == code, result
    assert len(result.err_lines) == 1, result.err
    line = result.err_lines[0]
    assert line.startswith("error: ") and "Traceback" not in result.err
    for needle in needles:
        assert needle in line, line
    return line


@dataclass
class CliDb:
    """The database a CLI test runs against (CHANNELSYNC_DATABASE_URL), and a look at its rows."""

    url: str
    _engine: Engine | None = field(default=None, repr=False)

    def snapshot(self) -> dict[str, list[str]]:
        """Every row of every table, sorted, to prove a failed command wrote nothing."""
        if self._engine is None:
            self._engine = create_engine(self.url)
        with self._engine.connect() as conn:
            return {
                t.name: sorted(repr(tuple(row)) for row in conn.execute(select(t)))
                for t in metadata.sorted_tables
            }

    @property
    def path(self) -> Path:
        """The SQLite file (SQLite databases only)."""
        assert self.url.startswith("sqlite:///")
        return Path(self.url.removeprefix("sqlite:///"))

    def dispose(self) -> None:
        """Close the connections :meth:`snapshot` opened."""
        if self._engine is not None:
            self._engine.dispose()
