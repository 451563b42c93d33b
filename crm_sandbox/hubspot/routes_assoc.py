"""Associations v4: per-record list / PUT (labeled) / PUT default / DELETE, batch create / read /
archive / default, and the label definitions between two object types.

A batch read pages each record's associations (``Portal.assoc_read_page`` per result, 500 by
default): a result with more carries ``paging.next.after``, which the next batch read takes as the
input's ``after``.

Association changes never bump either record's modification stamp (see ``store``). Route names
start with ``associations.v4.``.
"""

from __future__ import annotations

from typing import Any

from crm_sandbox.common.http import Request, Response, json_response
from crm_sandbox.hubspot.objects import ObjectType, resolve
from crm_sandbox.hubspot.portal import Portal
from crm_sandbox.hubspot.routes_batch import BATCH_MAX
from crm_sandbox.hubspot.routes_common import (
    BadRequest,
    RouteSpec,
    body_object,
    guarded,
    int_arg,
    record_id,
)
from crm_sandbox.hubspot.routes_objects import link_records
from crm_sandbox.hubspot.store import HsRecord
from crm_sandbox.hubspot.wire import batch_error, iso, not_found, now, validation_error

_SEG = r"(?P<{}>[^/]+)"
OBJ = "/crm/v4/objects/" + _SEG.format("from") + "/" + _SEG.format("fid") + "/associations/"
PAIR = "/crm/v4/associations/" + _SEG.format("from") + "/" + _SEG.format("to")


def _type(name: str) -> ObjectType:
    t = resolve(name)
    if t is None or not t.stored:
        raise BadRequest(validation_error(f"Unable to infer object type from: {name}"))
    return t


def _record(portal: Portal, t: ObjectType, raw: Any) -> HsRecord:
    rid = record_id(raw)
    rec = portal.store.get(t, rid) if rid is not None else None
    if rec is None:
        raise BadRequest(not_found(f"{t.singular} {raw} does not exist"))
    return rec


def _specs(portal: Portal, rec: HsRecord, to: ObjectType) -> list[dict[str, Any]]:
    out = []
    for oid, types in portal.store.associated((rec.otype.name, rec.id), to.name):
        specs = [portal.catalog.get(tid) for tid in sorted(types)]
        out.append(
            {"toObjectId": oid, "associationTypes": [s.spec() for s in specs if s is not None]}
        )
    return out


def _type_ids(portal: Portal, frm: ObjectType, to: ObjectType, items: Any) -> list[int]:
    ids = []
    for spec in items or []:
        tid = int(str((spec or {}).get("associationTypeId", "0")))
        at = portal.catalog.get(tid)
        if at is None or at.from_type != frm.name or at.to_type != to.name:
            raise BadRequest(
                validation_error(
                    f"associationTypeId {tid} is not valid from {frm.name} to {to.name}"
                )
            )
        ids.append(tid)
    return ids


def _pair(portal: Portal, a: HsRecord, b: HsRecord) -> dict[str, Any]:
    labels = [
        s.label
        for s in (portal.catalog.get(t) for _, ts in _one(portal, a, b) for t in sorted(ts))
        if s is not None and s.label
    ]
    return {
        "fromObjectTypeId": a.otype.type_id,
        "fromObjectId": a.id,
        "toObjectTypeId": b.otype.type_id,
        "toObjectId": b.id,
        "labels": labels,
    }


def _one(portal: Portal, a: HsRecord, b: HsRecord) -> list[tuple[int, set[int]]]:
    return [x for x in portal.store.associated((a.otype.name, a.id), b.otype.name) if x[0] == b.id]


def _batch_body(started: str, results: list[Any], errors: list[Any], ok: int) -> Response:
    body: dict[str, Any] = {"status": "COMPLETE", "results": results, "startedAt": started}
    body["completedAt"] = iso(now())
    if errors:
        body.update(numErrors=len(errors), errors=errors)
        return json_response(body, 207)
    return json_response(body, ok)


def _inputs(req: Request) -> list[dict[str, Any]]:
    inputs = body_object(req).get("inputs")
    if not isinstance(inputs, list) or len(inputs) > BATCH_MAX * 10:
        raise BadRequest(validation_error("inputs: must be a list of at most 1000 entries"))
    return [i for i in inputs if isinstance(i, dict)]


def assoc_routes(portal: Portal) -> list[RouteSpec]:
    """Every associations v4 route."""
    p = portal
    to_id = _SEG.format("to") + "/" + _SEG.format("tid")

    def list_(req: Request) -> Response:
        frm, to = _type(req.params["from"]), _type(req.params["to"])
        rec = _record(p, frm, req.params["fid"])
        limit = int_arg(req.arg("limit"), "limit", default=500, low=1, high=500)
        after = int_arg(req.arg("after"), "after", default=0)
        items = _specs(p, rec, to)
        page = items[after : after + limit]
        body: dict[str, Any] = {"results": page}
        if after + limit < len(items):
            body["paging"] = {"next": {"after": str(after + limit)}}
        return json_response(body)

    def put(req: Request) -> Response:
        frm, to = _type(req.params["from"]), _type(req.params["to"])
        a, b = _record(p, frm, req.params["fid"]), _record(p, to, req.params["tid"])
        try:
            specs = req.json()
        except ValueError:
            raise BadRequest(validation_error("Invalid input JSON")) from None
        for tid in _type_ids(p, frm, to, specs if isinstance(specs, list) else []):
            link_records(p, a, b, tid)
        return json_response(_pair(p, a, b), 201)

    def put_default(req: Request) -> Response:
        frm, to = _type(req.params["from"]), _type(req.params["to"])
        a, b = _record(p, frm, req.params["fid"]), _record(p, to, req.params["tid"])
        return _batch_body(iso(now()), [_default(p, a, b)], [], 200)

    def delete(req: Request) -> Response:
        frm, to = _type(req.params["from"]), _type(req.params["to"])
        a, b = _record(p, frm, req.params["fid"]), _record(p, to, req.params["tid"])
        p.store.dissociate((frm.name, a.id), (to.name, b.id))
        return Response(204)

    def batch_create(req: Request) -> Response:
        frm, to = _type(req.params["from"]), _type(req.params["to"])
        started, results, errors = iso(now()), [], []
        for item in _inputs(req):
            fid, tid = (item.get("from") or {}).get("id"), (item.get("to") or {}).get("id")
            try:
                a, b = _record(p, frm, fid), _record(p, to, tid)
                for type_id in _type_ids(p, frm, to, item.get("types")):
                    link_records(p, a, b, type_id)
                results.append(_pair(p, a, b))
            except BadRequest:
                errors.append(
                    batch_error(
                        "VALIDATION_ERROR",
                        f"Could not associate {frm.singular} {fid} with {to.singular} {tid}",
                        {"fromObjectId": [str(fid)], "toObjectId": [str(tid)]},
                    )
                )
        return _batch_body(started, results, errors, 201)

    def batch_default(req: Request) -> Response:
        frm, to = _type(req.params["from"]), _type(req.params["to"])
        started, results = iso(now()), []
        for item in _inputs(req):
            a = _record(p, frm, (item.get("from") or {}).get("id"))
            b = _record(p, to, (item.get("to") or {}).get("id"))
            results.append(_default(p, a, b))
        return _batch_body(started, results, [], 200)

    def batch_read(req: Request) -> Response:
        frm, to = _type(req.params["from"]), _type(req.params["to"])
        started, results, errors = iso(now()), [], []
        for item in _inputs(req):
            raw = item.get("id")
            rid = record_id(raw)
            rec = p.store.get(frm, rid) if rid is not None else None
            found = _specs(p, rec, to) if rec is not None else []
            after = int_arg(item.get("after"), "after", default=0)
            page = found[after : after + p.assoc_read_page]
            if found and after + len(page) < len(found):
                nxt = {"after": str(after + len(page))}
                results.append({"from": {"id": str(rid)}, "to": page, "paging": {"next": nxt}})
                continue
            found = page
            if not found:
                errors.append(
                    batch_error(
                        "OBJECT_NOT_FOUND",
                        f"No {to.name} is associated with {frm.singular} {raw}.",
                        {"fromObjectId": [str(raw)]},
                        sub_category="crm.associations.NO_ASSOCIATIONS_FOUND",
                    )
                )
                continue
            results.append({"from": {"id": str(rid)}, "to": found})
        return _batch_body(started, results, errors, 200)

    def batch_archive(req: Request) -> Response:
        frm, to = _type(req.params["from"]), _type(req.params["to"])
        for item in _inputs(req):
            fid = record_id((item.get("from") or {}).get("id", ""))
            for target in item.get("to") or []:
                tid = record_id((target or {}).get("id", ""))
                if fid is not None and tid is not None:
                    p.store.dissociate((frm.name, fid), (to.name, tid))
        return Response(204)

    def batch_archive_labels(req: Request) -> Response:
        frm, to = _type(req.params["from"]), _type(req.params["to"])
        for item in _inputs(req):
            fid = record_id((item.get("from") or {}).get("id", ""))
            tid = record_id((item.get("to") or {}).get("id", ""))
            pairs = []
            for type_id in _type_ids(p, frm, to, item.get("types")):
                at = p.catalog.get(type_id)
                if at is not None:
                    pairs.append((type_id, at.inverse_id))
            if fid is not None and tid is not None:
                p.store.dissociate((frm.name, fid), (to.name, tid), pairs)
        return Response(204)

    from crm_sandbox.hubspot.routes_labels import label_routes

    g = guarded
    return [
        RouteSpec("PUT", OBJ + "default/" + to_id, "associations.v4.default", g(put_default)),
        RouteSpec("GET", OBJ + _SEG.format("to"), "associations.v4.list", g(list_)),
        RouteSpec("PUT", OBJ + to_id, "associations.v4.put", g(put)),
        RouteSpec("DELETE", OBJ + to_id, "associations.v4.archive", g(delete)),
        RouteSpec("POST", PAIR + "/batch/create", "associations.v4.batch.create", g(batch_create)),
        RouteSpec(
            "POST",
            PAIR + "/batch/associate/default",
            "associations.v4.batch.default",
            g(batch_default),
        ),
        RouteSpec("POST", PAIR + "/batch/read", "associations.v4.batch.read", g(batch_read)),
        RouteSpec(
            "POST", PAIR + "/batch/archive", "associations.v4.batch.archive", g(batch_archive)
        ),
        RouteSpec(
            "POST",
            PAIR + "/batch/labels/archive",
            "associations.v4.batch.labels_archive",
            g(batch_archive_labels),
        ),
        *label_routes(portal, PAIR),
    ]


def _default(portal: Portal, a: HsRecord, b: HsRecord) -> dict[str, Any]:
    base = portal.catalog.unlabeled(a.otype.name, b.otype.name)
    if base is None:
        raise BadRequest(
            validation_error(f"{a.otype.name} cannot be associated with {b.otype.name}")
        )
    link_records(portal, a, b, base.type_id)
    return {
        "from": {"id": str(a.id)},
        "to": {"id": str(b.id)},
        "associationSpec": {
            "associationCategory": base.category,
            "associationTypeId": base.type_id,
        },
    }
