"""CRM v3 batch routes: read, create, update, upsert (``idProperty``) and archive, ≤ 100 inputs.

As on HubSpot, invalid property values refuse the whole batch with a 400, while per-input
problems (ids that do not exist, injected failures) answer 207 Multi-Status with ``errors``
(each a ``StandardError`` with ``context.ids``) and ``numErrors`` next to the ``results`` that
did succeed. A partial failure can be injected for chosen input positions through the admin API
(:class:`~crm_sandbox.hubspot.portal.BatchFailure`).
"""

from __future__ import annotations

from typing import Any

from crm_sandbox.common.http import Request, Response, json_response
from crm_sandbox.hubspot import body as b
from crm_sandbox.hubspot.objects import STORED, ObjectType
from crm_sandbox.hubspot.portal import BatchFailure, Portal
from crm_sandbox.hubspot.routes_common import (
    BadRequest,
    RouteSpec,
    body_object,
    find_by,
    flag,
    guarded,
    record_id,
    unique_property,
)
from crm_sandbox.hubspot.routes_objects import apply_associations, type_pattern
from crm_sandbox.hubspot.wire import batch_error, iso, now, validation_error

BATCH_MAX = 100


def batch_routes(portal: Portal) -> list[RouteSpec]:
    """Batch routes of every stored type, named ``<plural>.batch.<op>``."""
    specs: list[RouteSpec] = []
    for t in STORED.values():
        base = f"/crm/v3/objects/(?:{type_pattern(t)})/batch/"
        for op, fn in (
            ("read", _read),
            ("create", _create),
            ("update", _update),
            ("upsert", _upsert),
            ("archive", _archive),
        ):
            name = f"{t.name}.batch.{op}"
            specs.append(RouteSpec("POST", base + op, name, guarded(fn(portal, t, name))))
    return specs


# op -> (body model, body fields, input model, input fields, required input fields)
MODELS: dict[str, tuple[str, tuple[str, ...], str, tuple[str, ...], tuple[str, ...]]] = {
    "read": (
        "BatchReadInputSimplePublicObjectId",
        ("idProperty", "inputs", "properties", "propertiesWithHistory"),
        "SimplePublicObjectId",
        ("id",),
        ("id",),
    ),
    "create": (
        "BatchInputSimplePublicObjectBatchInputForCreate",
        ("inputs",),
        "SimplePublicObjectBatchInputForCreate",
        ("associations", "objectWriteTraceId", "properties"),
        (),
    ),
    "update": (
        "BatchInputSimplePublicObjectBatchInput",
        ("inputs",),
        "SimplePublicObjectBatchInput",
        ("id", "idProperty", "objectWriteTraceId", "properties"),
        ("id", "properties"),
    ),
    "upsert": (
        "BatchInputSimplePublicObjectBatchInputUpsert",
        ("inputs",),
        "SimplePublicObjectBatchInputUpsert",
        ("id", "idProperty", "objectWriteTraceId", "properties"),
        ("id", "properties"),
    ),
    "archive": (
        "BatchInputSimplePublicObjectId",
        ("inputs",),
        "SimplePublicObjectId",
        ("id",),
        ("id",),
    ),
}


def _inputs(req: Request, op: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The body and its inputs read as the operation's models (HubSpot's 400 otherwise)."""
    body_name, body_fields, input_name, input_fields, required = MODELS[op]
    body = body_object(req, body_name, body_fields, ("inputs",))
    inputs = [
        b.model(i, input_name, input_fields, required)
        for i in b.objects(body["inputs"], input_name)
    ]
    if len(inputs) > BATCH_MAX:
        raise BadRequest(
            validation_error(f"Too many inputs: {len(inputs)} given, at most {BATCH_MAX} allowed")
        )
    for item in inputs:
        if item.get("id") is not None:
            item["id"] = b.text(item["id"])
        if item.get("idProperty") is not None:
            item["idProperty"] = b.text(item["idProperty"])
        if item.get("properties") is not None:
            item["properties"] = b.string_map(item["properties"])
    return body, inputs


def _reply(
    results: list[dict[str, Any]], errors: list[dict[str, Any]], ok_status: int, started: str
) -> Response:
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": started,
        "completedAt": iso(now()),
    }
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
        return json_response(body, 207)
    return json_response(body, ok_status)


def _injected(failure: BatchFailure | None, index: int, ident: str) -> dict[str, Any] | None:
    if failure is None or index not in failure.inputs:
        return None
    return batch_error(failure.category, failure.message, {"ids": [ident]} if ident else {})


def _missing(t: ObjectType, ids: list[str]) -> dict[str, Any]:
    return batch_error(
        "OBJECT_NOT_FOUND",
        f"Could not get some {t.upper} objects, they may be deleted or not exist. "
        "Check that ids are valid.",
        {"ids": ids},
    )


def _read(portal: Portal, t: ObjectType, route: str) -> Any:
    def handle(req: Request) -> Response:
        started = iso(now())
        body, inputs = _inputs(req, "read")
        id_prop = body.get("idProperty")
        prop = unique_property(portal, t, None if id_prop is None else b.text(id_prop))
        archived = flag(req, "archived")
        failure = portal.batch_failures.take(route)
        props = b.texts(b.field(body, "properties", []))
        history = b.texts(b.field(body, "propertiesWithHistory", []))
        results, errors, missing = [], [], []
        for i, item in enumerate(inputs):
            ident = str(item.get("id", ""))
            injected = _injected(failure, i, ident)
            if injected is not None:
                errors.append(injected)
                continue
            rec = find_by(portal, t, prop, ident, archived=archived)
            if rec is None:
                missing.append(ident)
            else:
                results.append(portal.render(rec, props, None, history))
        if missing:
            errors.append(_missing(t, missing))
        return _reply(results, errors, 200, started)

    return handle


def _create(portal: Portal, t: ObjectType, route: str) -> Any:
    def handle(req: Request) -> Response:
        started = iso(now())
        _, inputs = _inputs(req, "create")
        values = [portal.props.normalise(t, i.get("properties") or {}) for i in inputs]
        portal.check_unique(t, [(None, v) for v in values])
        failure = portal.batch_failures.take(route)
        results, errors = [], []
        for i, (item, vals) in enumerate(zip(inputs, values, strict=True)):
            injected = _injected(failure, i, "")
            if injected is not None:
                injected["context"] = {"index": [str(i)]}
                errors.append(injected)
                continue
            with portal.store.lock:
                rec = portal.store.create(t, vals)
                try:
                    apply_associations(portal, rec, item.get("associations"))
                except (BadRequest, b.InvalidBody):
                    portal.store.delete(t, rec.id)
                    raise
            results.append(portal.render(rec, list(vals)))
        return _reply(results, errors, 201, started)

    return handle


def _update(portal: Portal, t: ObjectType, route: str) -> Any:
    def handle(req: Request) -> Response:
        started = iso(now())
        _, inputs = _inputs(req, "update")
        ids = [str(i.get("id", "")) for i in inputs]
        dupes = sorted({x for x in ids if ids.count(x) > 1})
        if dupes:
            raise BadRequest(
                validation_error(f"Duplicate IDs found in batch input: {dupes}. IDs must be unique")
            )
        values = [portal.props.normalise(t, i.get("properties") or {}) for i in inputs]
        found = [
            find_by(
                portal, t, unique_property(portal, t, i.get("idProperty")), str(i.get("id", ""))
            )
            for i in inputs
        ]
        portal.check_unique(t, [(r.id, v) for r, v in zip(found, values, strict=True) if r])
        failure = portal.batch_failures.take(route)
        results, errors, missing = [], [], []
        for i, (item, vals, rec) in enumerate(zip(inputs, values, found, strict=True)):
            ident = str(item.get("id", ""))
            injected = _injected(failure, i, ident)
            if injected is not None:
                errors.append(injected)
                continue
            if rec is None:
                missing.append(ident)
                continue
            portal.store.update(rec, vals)
            results.append(portal.render(rec, list(vals)))
        if missing:
            errors.append(_missing(t, missing))
        return _reply(results, errors, 200, started)

    return handle


def _upsert(portal: Portal, t: ObjectType, route: str) -> Any:
    def handle(req: Request) -> Response:
        started = iso(now())
        _, inputs = _inputs(req, "upsert")
        keys = [
            (unique_property(portal, t, i.get("idProperty")), str(i.get("id", ""))) for i in inputs
        ]
        dupes = sorted({ident for key, ident in keys if keys.count((key, ident)) > 1})
        if dupes:
            raise BadRequest(
                validation_error(f"Duplicate IDs found in batch input: {dupes}. IDs must be unique")
            )
        values = [portal.props.normalise(t, i.get("properties") or {}) for i in inputs]
        with portal.store.lock:  # the uniqueness check and the writes see the same portal
            found = [find_by(portal, t, prop, ident) for prop, ident in keys]
            portal.check_unique(
                t,
                [
                    (rec.id, vals) if rec else (None, {**vals, prop: ident})
                    for rec, vals, (prop, ident) in zip(found, values, keys, strict=True)
                    if rec or prop != "hs_object_id"
                ],
            )
            failure = portal.batch_failures.take(route)
            results, errors, missing = [], [], []
            for i, ((prop, ident), vals, rec) in enumerate(zip(keys, values, found, strict=True)):
                injected = _injected(failure, i, ident)
                if injected is not None:
                    errors.append(injected)
                    continue
                if rec is None and prop == "hs_object_id":
                    missing.append(ident)
                    continue
                new = rec is None
                if rec is None:
                    rec = portal.store.create(t, {**vals, prop: ident})
                else:
                    portal.store.update(rec, vals)
                shown = [*vals, prop] if prop != "hs_object_id" else list(vals)
                results.append({**portal.render(rec, shown), "new": new})
        if missing:
            errors.append(_missing(t, missing))
        return _reply(results, errors, 200, started)

    return handle


def _archive(portal: Portal, t: ObjectType, route: str) -> Any:
    def handle(req: Request) -> Response:
        _, inputs = _inputs(req, "archive")
        for item in inputs:
            rid = record_id(item.get("id", ""))
            rec = portal.store.get(t, rid) if rid is not None else None
            if rec is not None:
                portal.store.archive(rec)
        return Response(204)

    return handle
