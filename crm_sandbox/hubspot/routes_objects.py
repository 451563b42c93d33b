"""CRM v3 object routes: list, get, create, update (PATCH), archive (DELETE) and search.

Routes are registered per stored object type and answer under its plural name, singular name
and type id (``/crm/v3/objects/deals``, ``/deal``, ``/0-3``); route names are ``<plural>.<op>``
(``deals.list``, ``deals.search`` ...), so faults and call counts can target one object type.
Contacts also have ``POST .../contacts/gdpr-delete``, which deletes permanently (no archive).
"""

from __future__ import annotations

from typing import Any

from crm_sandbox.common.http import Request, Response, json_response
from crm_sandbox.hubspot import body as b
from crm_sandbox.hubspot import search as hsearch
from crm_sandbox.hubspot import search_request
from crm_sandbox.hubspot.objects import STORED, ObjectType, resolve
from crm_sandbox.hubspot.portal import Portal
from crm_sandbox.hubspot.routes_common import (
    BadRequest,
    RouteSpec,
    base_url,
    body_object,
    find_by,
    flag,
    guarded,
    int_arg,
    unique_property,
)
from crm_sandbox.hubspot.store import HsRecord
from crm_sandbox.hubspot.wire import not_found, validation_error

LIST_MAX = 100
ASSOC_SPEC = ("associationCategory", "associationTypeId")
GDPR_FIELDS = ("idProperty", "objectId")


def type_pattern(t: ObjectType) -> str:
    """Regex alternative of a type's aliases."""
    return "|".join(a.replace("-", r"\-") for a in (t.name, t.singular, t.type_id))


def apply_associations(portal: Portal, rec: HsRecord, items: Any) -> None:
    """Create the ``associations`` of a create input (``[{to: {id}, types: [...]}]``)."""
    for raw in b.objects([] if items is None else items, "PublicAssociationsForObject"):
        item = b.model(raw, "PublicAssociationsForObject", ("to", "types"), ("to", "types"))
        to_id = b.text(b.model(item["to"], "PublicObjectId", ("id",), ("id",))["id"])
        for raw_spec in b.objects(item["types"], "AssociationSpec"):
            spec = b.model(raw_spec, "AssociationSpec", ASSOC_SPEC, ASSOC_SPEC)
            tid = b.integer(spec["associationTypeId"], "associationTypeId")
            at = portal.catalog.get(tid)
            if at is None or at.from_type != rec.otype.name:
                raise BadRequest(
                    validation_error(
                        f"associationTypeId {tid} is not valid from {rec.otype.name}; "
                        "read the labels endpoint for the pair's type ids"
                    )
                )
            target_t = resolve(at.to_type)
            target = (
                portal.store.get(target_t, int(to_id)) if target_t and to_id.isdigit() else None
            )
            if target is None:
                raise BadRequest(
                    validation_error(f"{at.to_type} {to_id} to associate with does not exist")
                )
            link_records(portal, rec, target, tid)


def link_records(portal: Portal, a: HsRecord, b: HsRecord, type_id: int) -> None:
    """Associate two records with a type; a labeled HubSpot type also gets the unlabeled one."""
    at = portal.catalog.get(type_id)
    if at is None:
        return
    if at.label is not None:
        base = portal.catalog.unlabeled(at.from_type, at.to_type)
        if base is not None:
            portal.store.associate(
                (a.otype.name, a.id), (b.otype.name, b.id), base.type_id, base.inverse_id
            )
    if at.label == "Primary":  # a record has one primary: the former one stays unlabeled
        for oid, types in portal.store.associated((a.otype.name, a.id), at.to_type):
            if type_id in types and oid != b.id:
                portal.store.dissociate(
                    (a.otype.name, a.id), (at.to_type, oid), [(type_id, at.inverse_id)]
                )
    portal.store.associate((a.otype.name, a.id), (b.otype.name, b.id), type_id, at.inverse_id)


def object_routes(portal: Portal) -> list[RouteSpec]:
    """Every object route of every stored type."""
    specs: list[RouteSpec] = []
    for t in STORED.values():
        base = f"/crm/v3/objects/(?:{type_pattern(t)})"
        specs += [
            RouteSpec("GET", base, f"{t.name}.list", guarded(_list(portal, t))),
            RouteSpec("POST", base, f"{t.name}.create", guarded(_create(portal, t))),
            RouteSpec(
                "POST", base + "/search", f"{t.name}.search", guarded(_search(portal, t)), True
            ),
            RouteSpec("GET", base + r"/(?P<id>[^/]+)", f"{t.name}.get", guarded(_get(portal, t))),
            RouteSpec(
                "PATCH", base + r"/(?P<id>[^/]+)", f"{t.name}.update", guarded(_update(portal, t))
            ),
            *(
                [
                    RouteSpec(
                        "POST",
                        base + "/gdpr-delete",
                        "contacts.gdpr_delete",
                        guarded(_gdpr(portal, t)),
                    )
                ]
                if t.name == "contacts"
                else []
            ),
            RouteSpec(
                "DELETE",
                base + r"/(?P<id>[^/]+)",
                f"{t.name}.archive",
                guarded(_archive(portal, t)),
            ),
        ]
    return specs


def _list(portal: Portal, t: ObjectType) -> Any:
    def handle(req: Request) -> Response:
        limit = int_arg(req.arg("limit"), "limit", default=10, low=1, high=LIST_MAX)
        after = int_arg(req.arg("after"), "after", default=0)
        recs, nxt = portal.store.page(t, after, limit, archived=flag(req, "archived"))
        props = req.args("properties")
        assoc = req.args("associations")
        history = req.args("propertiesWithHistory")
        body: dict[str, Any] = {"results": [portal.render(r, props, assoc, history) for r in recs]}
        if nxt is not None:
            link = f"{base_url(req)}/crm/v3/objects/{t.name}?limit={limit}&after={nxt}"
            body["paging"] = {"next": {"after": str(nxt), "link": link}}
        return json_response(body)

    return handle


def _lookup(portal: Portal, t: ObjectType, req: Request, *, archived: bool) -> HsRecord:
    prop = unique_property(portal, t, req.arg("idProperty"))
    rec = find_by(portal, t, prop, req.params["id"], archived=archived)
    if rec is None:
        raise BadRequest(not_found("resource not found"))
    return rec


def _get(portal: Portal, t: ObjectType) -> Any:
    def handle(req: Request) -> Response:
        rec = _lookup(portal, t, req, archived=flag(req, "archived"))
        props, assoc = req.args("properties"), req.args("associations")
        return json_response(portal.render(rec, props, assoc, req.args("propertiesWithHistory")))

    return handle


def _create(portal: Portal, t: ObjectType) -> Any:
    def handle(req: Request) -> Response:
        body = body_object(req, "SimplePublicObjectInputForCreate", ("associations", "properties"))
        values = portal.props.normalise(t, b.string_map(b.field(body, "properties", {})))
        with portal.store.lock:
            portal.check_unique(t, [(None, values)])
            rec = portal.store.create(t, values)
            try:
                apply_associations(portal, rec, body.get("associations"))
            except (BadRequest, b.InvalidBody):
                portal.store.delete(t, rec.id)
                raise
        return json_response(portal.render(rec, list(values)), 201)

    return handle


def _update(portal: Portal, t: ObjectType) -> Any:
    def handle(req: Request) -> Response:
        body = body_object(req, "SimplePublicObjectInput", ("properties",), ("properties",))
        rec = _lookup(portal, t, req, archived=False)
        values = portal.props.normalise(t, b.string_map(body["properties"]))
        with portal.store.lock:
            portal.check_unique(t, [(rec.id, values)])
            portal.store.update(rec, values)
        return json_response(portal.render(rec, list(values)))

    return handle


def _archive(portal: Portal, t: ObjectType) -> Any:
    def handle(req: Request) -> Response:
        raw = req.params["id"]
        if raw.isdigit():
            rec = portal.store.get(t, int(raw))
            if rec is not None:
                portal.store.archive(rec)
        return Response(204)

    return handle


def _gdpr(portal: Portal, t: ObjectType) -> Any:
    def handle(req: Request) -> Response:
        body = body_object(req, "PublicGdprDeleteInput", GDPR_FIELDS, ("objectId",))
        id_prop = body.get("idProperty")
        prop = unique_property(portal, t, None if id_prop is None else b.text(id_prop))
        value = b.text(body["objectId"])
        rec = find_by(portal, t, prop, value) or find_by(portal, t, prop, value, archived=True)
        if rec is None:
            raise BadRequest(not_found("resource not found"))
        portal.store.delete(t, rec.id)  # permanent: the record will not even list as archived
        return Response(204)

    return handle


def _search(portal: Portal, t: ObjectType) -> Any:
    def handle(req: Request) -> Response:
        try:
            q = search_request.parse(b.parse_json(req.body), t, portal.props.of(t))
            hits = portal.search_hits(t, q)
        except search_request.UnknownProperty as exc:
            return validation_error(str(exc), propertyName=[exc.property_name])
        except (b.InvalidBody, hsearch.SearchError) as exc:
            return validation_error(str(exc))
        total, page = len(hits), hits[q.offset : q.offset + q.limit]
        body: dict[str, Any] = {
            "total": total,
            "results": [portal.render(r, q.properties) for r in page],
        }
        if q.offset + len(page) < total:
            body["paging"] = {"next": {"after": str(q.offset + len(page))}}
        return json_response(body)

    return handle
