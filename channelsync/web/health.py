"""``/healthz``: the app answers and its database serves the core schema."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from channelsync.web.context import web_context

_log = logging.getLogger("channelsync.web")


def _check(session: Session) -> None:
    # A read of the quotes table: the database answers and holds the schema the pages need.
    session.execute(text("SELECT id FROM quote LIMIT 1")).all()


async def healthz(request: Request) -> Response:
    """200 ``{"status": "ok", "database": "ok"}``, or 503 naming what failed (never the URL)."""
    ctx = web_context(request)
    try:
        await ctx.call(_check)
    except SQLAlchemyError as exc:
        _log.warning("health check: the database failed: %s", type(exc).__name__)
        return JSONResponse(
            {
                "status": "unavailable",
                "database": f"unreachable or without the schema ({type(exc).__name__})",
            },
            status_code=503,
        )
    return JSONResponse({"status": "ok", "database": "ok"})
