"""The Salesforce sandbox's admin API over HTTP: ``/__admin/salesforce/...`` routes onto :mod:`.admin`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from crm_sandbox.common.http import Request, Response
from crm_sandbox.common.server import ADMIN_PREFIX
from crm_sandbox.salesforce.errors import SalesforceApiError, error_response, json_ok
from crm_sandbox.salesforce.soql_project import json_value
from crm_sandbox.salesforce.values import parse_datetime

if TYPE_CHECKING:
    from crm_sandbox.salesforce.app import SalesforceSandboxApp


def register(app: SalesforceSandboxApp) -> None:
    """Add the ``/__admin/salesforce/...`` HTTP routes."""
    api = app.admin_api
    base = ADMIN_PREFIX + "/salesforce"
    rec = base + r"/records/(?P<sobject>\w+)/(?P<id>\w+)"

    def wrap(fn: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def handler(request: Request) -> Response:
            try:
                return fn(request)
            except SalesforceApiError as exc:
                return error_response(exc)
            except (ValueError, TypeError, KeyError) as exc:
                return error_response(SalesforceApiError(400, "INVALID_ADMIN_REQUEST", str(exc)))

        return handler

    def body(request: Request) -> dict[str, object]:
        data = request.json()
        return data if isinstance(data, dict) else {}

    def change(r: Request) -> Response:
        return json_ok(api.change_record(r.params["sobject"], r.params["id"], body(r)))

    def delete(r: Request) -> Response:
        api.delete_record(r.params["sobject"], r.params["id"])
        return Response(204)

    def undelete(r: Request) -> Response:
        api.undelete_record(r.params["sobject"], r.params["id"])
        return Response(204)

    def stamp(r: Request) -> Response:
        at = body(r).get("at")
        when = parse_datetime(str(at)) if at else None
        return json_ok(
            {"SystemModstamp": json_value(api.set_stamp(r.params["sobject"], r.params["id"], when))}
        )

    def edit(r: Request) -> Response:
        share = float(str(body(r).get("share", 0.01)))
        return json_ok({"edited": api.edit_share(r.params["sobject"], share)})

    def bulk_progress(r: Request) -> Response:
        data = body(r)
        rows = data.get("rows_per_result")
        api.set_bulk_progress(
            int(str(data.get("queued_polls", 0))),
            int(str(data.get("in_progress_polls", 0))),
            None if rows is None else int(str(rows)),
        )
        return Response(204)

    def expire(r: Request) -> Response:
        api.expire_sessions()
        return Response(204)

    def jwt_certificate(r: Request) -> Response:
        pem = body(r).get("certificate")
        api.set_jwt_certificate(None if pem is None else str(pem))
        return Response(204)

    def usage(r: Request) -> Response:
        data = body(r)
        maximum = data.get("max")
        api.set_api_usage(int(str(data["used"])), None if maximum is None else int(str(maximum)))
        return Response(204)

    def fault(r: Request) -> Response:
        data = body(r)
        kind = r.params["kind"]
        times_raw = data.get("times", 1)
        times = None if times_raw is None else int(str(times_raw))
        if kind == "request-limit":
            api.fail_request_limit(str(data.get("route", "*")), times)
        elif kind == "query-timeout":
            api.fail_query_timeout(str(data.get("route", "query")), times)
        elif kind == "bulk-batch":
            api.fail_bulk_batches(
                str(data.get("code", "QUERY_TIMEOUT")),
                str(data.get("message", "Your query request was running for too long.")),
                times,
                int(str(data.get("skip", 0))),
            )
        elif kind == "session-expired":
            api.fail_session(str(data.get("route", "*")), times)
        elif kind == "collection-record":
            api.fail_collection_record(
                int(str(data["index"])),
                str(data.get("code", "FIELD_CUSTOM_VALIDATION_EXCEPTION")),
                str(data.get("message", "Rejected by a validation rule in the sandbox")),
            )
        else:
            raise ValueError(f"unknown Salesforce fault kind {kind!r}")
        return Response(204)

    app.admin.add(
        "GET",
        rec,
        "admin.sf.record",
        wrap(lambda r: json_ok(api.record(r.params["sobject"], r.params["id"]))),
    )
    app.admin.add("PATCH", rec, "admin.sf.change", wrap(change))
    app.admin.add("DELETE", rec, "admin.sf.delete", wrap(delete))
    app.admin.add("POST", rec + "/undelete", "admin.sf.undelete", wrap(undelete))
    app.admin.add("POST", rec + "/stamp", "admin.sf.stamp", wrap(stamp))
    app.admin.add("POST", base + "/sessions/expire", "admin.sf.expire", wrap(expire))
    app.admin.add("POST", base + "/usage", "admin.sf.usage", wrap(usage))
    app.admin.add("PUT", base + "/jwt-certificate", "admin.sf.jwt", wrap(jwt_certificate))
    app.admin.add("POST", base + "/bulk1", "admin.sf.bulk1", wrap(bulk_progress))
    app.admin.add("POST", base + r"/edit/(?P<sobject>\w+)", "admin.sf.edit", wrap(edit))
    app.admin.add("POST", base + r"/faults/(?P<kind>[\w-]+)", "admin.sf.fault", wrap(fault))
