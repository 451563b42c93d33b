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
from crm_sandbox.hubspot import body as b
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
ASSOC_SPEC = ("associationCategory", "associationTypeId")
PAIR = "/crm/v4/associations/" + _SEG.format("from") + "/" + _SEG.format("to")
# The label routes also answer under the path HubSpot's own OpenAPI spec gives them.
SCHEMA_PAIR = "/crm/associations/v4/" + _SEG.format("from") + "/" + _SEG.format("to")


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
    for raw in b.objects(items if items is not None else [], "AssociationSpec"):
        spec = b.model(raw, "AssociationSpec", ASSOC_SPEC, ASSOC_SPEC)
        tid = b.integer(spec["associationTypeId"], "associationTypeId")
        at = portal.catalog.get(tid)
        if at is None or at.from_type != frm.name or at.to_type != to.name:
            raise BadRequest(
                validation_error(
                    f"associationTypeId {tid} is not valid from {frm.name} to {to.name}"
                )
            )
        ids.append(tid)
    return ids


def _ref(item: dict[str, Any], key: str) -> str:
    """The ``id`` of a ``{"id": ...}`` reference field of a batch input."""
    return b.text(b.model(item[key], "PublicObjectId", ("id",), ("id",))["id"])


def _pair(portal: Portal, one: HsRecord, other: HsRecord) -> dict[str, Any]:
    labels = [
        s.label
        for s in (portal.catalog.get(t) for _, ts in _one(portal, one, other) for t in sorted(ts))
        if s is not None and s.label
    ]
    return {
        "fromObjectTypeId": one.otype.type_id,
        "fromObjectId": one.id,
        "toObjectTypeId": other.otype.type_id,
        "toObjectId": other.id,
        "labels": labels,
    }


def _one(portal: Portal, one: HsRecord, other: HsRecord) -> list[tuple[int, set[int]]]:
    edges = portal.store.associated((one.otype.name, one.id), other.otype.name)
    return [x for x in edges if x[0] == other.id]


def _batch_body(started: str, results: list[Any], errors: list[Any], ok: int) -> Response:
    body: dict[str, Any] = {"status": "COMPLETE", "results": results, "startedAt": started}
    body["completedAt"] = iso(now())
    if errors:
        body.update(numErrors=len(errors), errors=errors)
        return json_response(body, 207)
    return json_response(body, ok)


# batch operation -> (input model, its fields, required fields)
INPUTS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "create": ("PublicAssociationMultiPost", ("from", "to", "types"), ("from", "to", "types")),
    "default": ("PublicDefaultAssociationMultiPost", ("from", "to"), ("from", "to")),
    "read": ("PublicFetchAssociationsBatchRequest", ("after", "id"), ("id",)),
    "archive": ("PublicAssociationMultiArchive", ("from", "to"), ("from", "to")),
    "labels_archive": (
        "PublicAssociationMultiPost",
        ("from", "to", "types"),
        ("from", "to", "types"),
    ),
}


def _inputs(req: Request, op: str) -> list[dict[str, Any]]:
    """The batch body's inputs read as the operation's models (HubSpot's 400 otherwise)."""
    name, known, required = INPUTS[op]
    body = body_object(req, "BatchInput" + name, ("inputs",), ("inputs",))
    inputs = b.objects(body["inputs"], name)
    if len(inputs) > BATCH_MAX * 10:
        raise BadRequest(validation_error("inputs: must be a list of at most 1000 entries"))
    return [b.model(i, name, known, required) for i in inputs]


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
        one, other = _record(p, frm, req.params["fid"]), _record(p, to, req.params["tid"])
        specs = b.objects(b.parse_json(req.body), "AssociationSpec")
        for tid in _type_ids(p, frm, to, specs):
            link_records(p, one, other, tid)
        return json_response(_pair(p, one, other), 201)

    def put_default(req: Request) -> Response:
        frm, to = _type(req.params["from"]), _type(req.params["to"])
        one, other = _record(p, frm, req.params["fid"]), _record(p, to, req.params["tid"])
        return _batch_body(iso(now()), [_default(p, one, other)], [], 200)

    def delete(req: Request) -> Response:
        frm, to = _type(req.params["from"]), _type(req.params["to"])
        one, other = _record(p, frm, req.params["fid"]), _record(p, to, req.params["tid"])
        p.store.dissociate((frm.name, one.id), (to.name, other.id))
        return Response(204)

    def batch_create(req: Request) -> Response:
        frm, to = _type(req.params["from"]), _type(req.params["to"])
        started, results, errors = iso(now()), [], []
        for item in _inputs(req, "create"):
            fid, tid = _ref(item, "from"), _ref(item, "to")
            try:
                one, other = _record(p, frm, fid), _record(p, to, tid)
                for type_id in _type_ids(p, frm, to, item.get("types")):
                    link_records(p, one, other, type_id)
                results.append(_pair(p, one, other))
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
        for item in _inputs(req, "default"):
            one, other = _record(p, frm, _ref(item, "from")), _record(p, to, _ref(item, "to"))
            results.append(_default(p, one, other))
        return _batch_body(started, results, [], 200)

    def batch_read(req: Request) -> Response:
        frm, to = _type(req.params["from"]), _type(req.params["to"])
        started, results, errors = iso(now()), [], []
        for item in _inputs(req, "read"):
            raw = b.text(item["id"])
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
        for item in _inputs(req, "archive"):
            fid = record_id(_ref(item, "from"))
            for target in b.objects(item["to"], "PublicObjectId"):
                tid = record_id(_ref({"to": target}, "to"))
                if fid is not None and tid is not None:
                    p.store.dissociate((frm.name, fid), (to.name, tid))
        return Response(204)

    def batch_archive_labels(req: Request) -> Response:
        frm, to = _type(req.params["from"]), _type(req.params["to"])
        for item in _inputs(req, "labels_archive"):
            fid = record_id(_ref(item, "from"))
            tid = record_id(_ref(item, "to"))
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
        *label_routes(portal, SCHEMA_PAIR),
    ]


def _default(portal: Portal, one: HsRecord, other: HsRecord) -> dict[str, Any]:
    base = portal.catalog.unlabeled(one.otype.name, other.otype.name)
    if base is None:
        raise BadRequest(
            validation_error(f"{one.otype.name} cannot be associated with {other.otype.name}")
        )
    link_records(portal, one, other, base.type_id)
    return {
        "from": {"id": str(one.id)},
        "to": {"id": str(other.id)},
        "associationSpec": {
            "associationCategory": base.category,
            "associationTypeId": base.type_id,
        },
    }
