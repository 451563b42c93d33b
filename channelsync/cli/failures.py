"""Which failures are the user's, and the one line each is shown as (the CLI's edge uses it).

Expected failures are: usage errors (Typer's, exit status 2), domain errors of the core and of pricing (bad input,
bad settings, unknown records), database errors (unreachable, no schema) and operating-system
errors on a named file. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import typer
from sqlalchemy.exc import DBAPIError

from connector.errors import CrmError
from order_core.errors import DomainError, ValidationFailed
from quote_engine.errors import PricingError

_CONTROL = re.compile("[\\x00-\\x08\\x0a-\\x1f\\x7f-\\x9f\\u2028\\u2029]")


@dataclass(frozen=True)
class Failure:
    """What to print (one line, without the ``error:`` prefix) and the exit status."""

    message: str
    exit_code: int = 1


def one_line(text: str) -> str:
    """``text`` on one line: line breaks and other control characters escaped, ends trimmed."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text.strip())


def _domain_message(exc: DomainError) -> str:
    if isinstance(exc, ValidationFailed) and exc.problems:
        summary = exc.message.splitlines()[0].rstrip(". ")
        return f"{one_line(summary)}: " + "; ".join(one_line(str(p)) for p in exc.problems)
    return "; ".join(one_line(part) for part in exc.message.splitlines() if part.strip())


def _database_message(exc: DBAPIError) -> str:
    """The driver's first line only: SQLAlchemy's text would add the SQL and its parameters."""
    text = str(exc.orig).strip() if exc.orig is not None else ""
    first = text.splitlines()[0] if text else type(exc).__name__
    return (
        f"database error: {one_line(first)}. Check CHANNELSYNC_DATABASE_URL and run "
        "`channelsync db upgrade` to create or upgrade the schema."
    )


def _usage_message(exc: typer.TyperException) -> str:
    """Typer's message; a usage error (it carries the command's context) adds where to get help."""
    ctx = getattr(exc, "ctx", None)
    path = getattr(ctx, "command_path", None)
    hint = f" (see `{path} --help`)" if path else ""
    return one_line(exc.format_message()).rstrip(".") + hint


def is_help_request(exc: BaseException) -> bool:
    """A command group run without a sub-command: Typer printed its help while raising ``exc``.

    Matched by name, as Typer itself does: the class lives in Typer's private copy of click.
    """
    return type(exc).__name__ == "NoArgsIsHelpError"


def describe(exc: BaseException) -> Failure | None:
    """The one-line failure ``exc`` stands for, or None when it is not an expected failure (a bug)."""
    if isinstance(exc, typer.TyperException):
        return Failure(_usage_message(exc), exc.exit_code)
    if isinstance(exc, typer.Abort):
        return Failure("aborted", 1)
    if isinstance(exc, DomainError):
        return Failure(_domain_message(exc), exc.exit_code)
    if isinstance(exc, PricingError):
        return Failure(one_line(exc.message))
    if isinstance(exc, CrmError):  # a CRM connection failed outside a run's own report
        return Failure(one_line(str(exc)))
    if isinstance(exc, DBAPIError):
        return Failure(_database_message(exc))
    if isinstance(exc, OSError) and exc.filename is not None:
        reason = exc.strerror or type(exc).__name__
        return Failure(
            f"{one_line(str(exc.filename))}: {reason}; check the path and its permissions"
        )
    return None
