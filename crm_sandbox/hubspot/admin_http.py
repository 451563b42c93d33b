"""HTTP face of the HubSpot admin API, under ``/__admin/hubspot/`` (no auth, no rate limits).

* ``GET /records/{type}?archived=true`` — every record with all properties
* ``POST /records/{type}`` ``{properties, created?, updated?}`` → ``{id}``
* ``PATCH /records/{type}/{id}`` ``{properties, bump?: true}``
* ``POST /records/{type}/{id}/archive`` · ``/restore`` · ``DELETE /records/{type}/{id}``
* ``POST /records/{type}/{id}/stamp`` ``{at?: ISO}`` — set, or bump to now when ``at`` is absent
* ``POST /associations`` ``{from_type, from_id, to_type, to_id, type_id?, remove?: false}``
* ``POST /batch-failures`` ``{route, inputs: [N], times?, category?, message?}`` · ``DELETE``
* ``GET`` / ``PUT /rate-limits`` ``{ten_second_max, daily_max, search_per_second, enabled,
  daily_used?}``
* ``GET /seed`` — seeded ids by seed key
* ``POST /oauth/refresh-tokens`` ``{client_id, client_secret}`` → ``{refresh_token}``
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from crm_sandbox.common.http import Request, Response, Router, json_response
from crm_sandbox.hubspot.admin import HubSpotAdmin, UnknownRecord
from crm_sandbox.hubspot.properties import PropertyValueError
from crm_sandbox.hubspot.wire import iso, parse_when

PREFIX = "/__admin/hubspot"


def _safe(fn: Callable[[Request], Response]) -> Callable[[Request], Response]:
    def run(req: Request) -> Response:
        try:
            return fn(req)
        except UnknownRecord as exc:
            return json_response({"message": str(exc)}, 404)
        except (PropertyValueError, ValueError, TypeError, KeyError) as exc:
            return json_response({"message": str(exc)}, 400)

    return run


def _body(req: Request) -> dict[str, Any]:
    data = req.json()
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError("admin body must be a JSON object")
    return data


def register_admin(router: Router, app: HubSpotAdmin) -> None:
    """Add the admin routes to the app's admin router."""
    rec = PREFIX + r"/records/(?P<otype>[^/]+)"
    one = rec + r"/(?P<id>\d+)"

    def list_records(req: Request) -> Response:
        archived = (req.arg("archived") or "").lower() == "true"
        found = app.records(req.params["otype"], archived=archived)
        return json_response([app.render_all(r) for r in found])

    def create(req: Request) -> Response:
        body = _body(req)
        created = parse_when(str(body["created"])) if body.get("created") else None
        updated = parse_when(str(body["updated"])) if body.get("updated") else None
        rid = app.create_record(
            req.params["otype"],
            dict(body.get("properties") or {}),
            created=created,
            updated=updated,
        )
        return json_response({"id": str(rid)}, 201)

    def change(req: Request) -> Response:
        body = _body(req)
        app.change_record(
            req.params["otype"],
            req.params["id"],
            dict(body.get("properties") or {}),
            bump=bool(body.get("bump", True)),
        )
        return json_response(app.render_all(app.record(req.params["otype"], req.params["id"])))

    def archive(req: Request) -> Response:
        app.archive_record(req.params["otype"], req.params["id"])
        return Response(204)

    def restore(req: Request) -> Response:
        app.restore_record(req.params["otype"], req.params["id"])
        return Response(204)

    def delete(req: Request) -> Response:
        app.delete_record(req.params["otype"], req.params["id"])
        return Response(204)

    def stamp(req: Request) -> Response:
        body = _body(req)
        if body.get("at"):
            when = parse_when(str(body["at"]))
            if when is None:
                raise ValueError(f"'at' is not a timestamp: {body['at']!r}")
            app.set_stamp(req.params["otype"], req.params["id"], when)
        else:
            when = app.bump_stamp(req.params["otype"], req.params["id"])
        return json_response({"updatedAt": iso(when)})

    def associations(req: Request) -> Response:
        b = _body(req)
        args = (str(b["from_type"]), b["from_id"], str(b["to_type"]), b["to_id"])
        if b.get("remove"):
            app.dissociate(*args)
        else:
            tid = b.get("type_id")
            app.associate(*args, type_id=None if tid is None else int(tid))
        return Response(204)

    def add_failure(req: Request) -> Response:
        b = _body(req)
        times = b.get("times", 1)
        app.fail_batch_inputs(
            str(b["route"]),
            [int(i) for i in b.get("inputs") or []],
            times=None if times is None else int(times),
            category=str(b.get("category", "VALIDATION_ERROR")),
            message=str(b.get("message", "Injected failure")),
        )
        return Response(204)

    def clear_failures(req: Request) -> Response:
        app.portal.batch_failures.clear()
        return Response(204)

    def limits(req: Request) -> Response:
        return json_response({**asdict(app.limiter.config), "usage": app.limiter.usage()})

    def set_limits(req: Request) -> Response:
        b = _body(req)
        used = b.pop("daily_used", None)
        app.set_rate_limits(**b)
        if used is not None:
            app.reset_rate_usage(daily_used=int(used))
        return limits(req)

    def seed(req: Request) -> Response:
        return json_response(
            {
                "ids": {k: str(v) for k, v in app.seed.ids.items()},
                "partner_label_id": app.seed.partner_label_id,
            }
        )

    def refresh_token(req: Request) -> Response:
        b = _body(req)
        token = app.issue_refresh_token(str(b["client_id"]), str(b["client_secret"]))
        return json_response({"refresh_token": token}, 201)

    for method, pattern, name, fn in (
        ("GET", rec, "hubspot.records", list_records),
        ("POST", rec, "hubspot.create", create),
        ("PATCH", one, "hubspot.change", change),
        ("DELETE", one, "hubspot.delete", delete),
        ("POST", one + "/archive", "hubspot.archive", archive),
        ("POST", one + "/restore", "hubspot.restore", restore),
        ("POST", one + "/stamp", "hubspot.stamp", stamp),
        ("POST", PREFIX + "/associations", "hubspot.associations", associations),
        ("POST", PREFIX + "/batch-failures", "hubspot.batch_failures", add_failure),
        ("DELETE", PREFIX + "/batch-failures", "hubspot.clear_batch_failures", clear_failures),
        ("GET", PREFIX + "/rate-limits", "hubspot.rate_limits", limits),
        ("PUT", PREFIX + "/rate-limits", "hubspot.set_rate_limits", set_limits),
        ("GET", PREFIX + "/seed", "hubspot.seed", seed),
        ("POST", PREFIX + "/oauth/refresh-tokens", "hubspot.refresh_token", refresh_token),
    ):
        router.add(method, pattern, name, _safe(fn))
