"""Helpers shared by the HubSpot route modules: route specs, query flags, body and id parsing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crm_sandbox.common.http import Handler, Request, Response
from crm_sandbox.hubspot.body import InvalidBody, model, parse_json
from crm_sandbox.hubspot.objects import ObjectType
from crm_sandbox.hubspot.portal import Portal
from crm_sandbox.hubspot.properties import PropertyValueError
from crm_sandbox.hubspot.store import HsRecord
from crm_sandbox.hubspot.wire import error, validation_error


@dataclass(frozen=True)
class RouteSpec:
    """One CRM route: method, full-match path regex, route name, handler, whether it is search."""

    method: str
    pattern: str
    name: str
    handler: Handler
    search: bool = False


class BadRequest(Exception):
    """A request the API refuses; carries the ready HubSpot error response."""

    def __init__(self, response: Response) -> None:
        super().__init__("bad request")
        self.response = response


def guarded(fn: Callable[[Request], Response]) -> Handler:
    """Turn :class:`BadRequest`, unreadable bodies and invalid values into HubSpot's 400s."""

    def run(request: Request) -> Response:
        try:
            return fn(request)
        except BadRequest as exc:
            return exc.response
        except InvalidBody as exc:
            return validation_error(str(exc))
        except PropertyValueError as exc:
            return error(
                400,
                str(exc),
                "VALIDATION_ERROR",
                errors=[
                    {
                        "message": p["message"],
                        "code": p["error"],
                        "context": {"propertyName": [p["name"]]},
                    }
                    for p in exc.problems
                ],
            )

    return run


def flag(request: Request, name: str) -> bool:
    """A boolean query flag, case-insensitive (``archived=True`` as the Python client sends it)."""
    return (request.arg(name) or "false").strip().lower() == "true"


def body_object(
    request: Request, name: str, known: tuple[str, ...], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The JSON body read as model ``name`` (raises :class:`InvalidBody` as HubSpot would)."""
    return model(parse_json(request.body), name, known, required)


def int_arg(value: Any, name: str, *, default: int, low: int = 0, high: int | None = None) -> int:
    """An integer parameter within bounds; a 400 naming it otherwise."""
    if value is None or value == "":
        return default
    try:
        n = int(str(value))
    except ValueError:
        raise BadRequest(validation_error(f"{name}: '{value}' is not an integer")) from None
    if n < low or (high is not None and n > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise BadRequest(validation_error(f"{name}: must be {bound} (got {n})"))
    return n


def record_id(raw: Any) -> int | None:
    """A numeric record id, or ``None`` when it is not one."""
    text = str(raw).strip()
    return int(text) if text.isdigit() else None


def find_by(
    portal: Portal, t: ObjectType, prop: str, value: str, *, archived: bool = False
) -> HsRecord | None:
    """The record whose ``prop`` equals ``value`` (``hs_object_id`` means the id)."""
    if prop == "hs_object_id":
        rid = record_id(value)
        return None if rid is None else portal.store.get(t, rid, archived=archived)
    for rec in portal.store.lookup(t, prop, value):
        if (rec.archived_at is not None) == archived:
            return rec
    return None


def unique_property(portal: Portal, t: ObjectType, name: str | None) -> str:
    """Validate an ``idProperty``: ``hs_object_id``, a unique property, or email for contacts."""
    if not name or name == "hs_object_id":
        return "hs_object_id"
    prop = portal.props.get(t, name)
    if prop is None:
        raise BadRequest(validation_error(f"Property {name} does not exist on {t.name}"))
    if not (prop.unique or (t.name == "contacts" and name == "email")):
        raise BadRequest(
            validation_error(
                f"Property {name} is not a unique property; use hs_object_id or a property created with hasUniqueValue"
            )
        )
    return name


def base_url(request: Request) -> str:
    """The URL base the client used (for ``paging.next.link``)."""
    return "http://" + request.headers.get("host", "127.0.0.1")
