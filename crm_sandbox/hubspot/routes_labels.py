"""Associations v4 label definitions between two object types: read, create, rename, delete."""

from __future__ import annotations

from crm_sandbox.common.http import Request, Response, json_response
from crm_sandbox.hubspot import body as b
from crm_sandbox.hubspot.objects import ObjectType, resolve
from crm_sandbox.hubspot.portal import Portal
from crm_sandbox.hubspot.routes_common import (
    BadRequest,
    RouteSpec,
    body_object,
    guarded,
    int_arg,
)
from crm_sandbox.hubspot.wire import not_found, validation_error

CREATE = ("inverseLabel", "label", "name")
UPDATE = ("associationTypeId", "inverseLabel", "label")


def _type(name: str) -> ObjectType:
    t = resolve(name)
    if t is None:
        raise BadRequest(validation_error(f"Unable to infer object type from: {name}"))
    return t


def label_routes(portal: Portal, pair: str) -> list[RouteSpec]:
    """The ``{pair}/labels`` routes (``pair`` is ``/crm/v4/associations/{from}/{to}`` or its alias)."""
    p = portal

    def read(req: Request) -> Response:
        frm, to = _type(req.params["from"]), _type(req.params["to"])
        return json_response({"results": [t.spec() for t in p.catalog.between(frm.name, to.name)]})

    def create(req: Request) -> Response:
        frm, to = _type(req.params["from"]), _type(req.params["to"])
        body = body_object(
            req, "PublicAssociationDefinitionCreateRequest", CREATE, ("label", "name")
        )
        label, name = b.text(body["label"]), b.text(body["name"])
        if not label or not name:
            raise BadRequest(validation_error("A label definition needs 'label' and 'name'"))
        inverse = b.text(body["inverseLabel"]) if body.get("inverseLabel") else None
        try:
            made = p.catalog.create_label(frm.name, to.name, label, inverse, name)
        except ValueError as exc:
            raise BadRequest(validation_error(str(exc))) from None
        return json_response({"results": [t.spec() for t in made]})

    def update(req: Request) -> Response:
        body = body_object(
            req, "PublicAssociationDefinitionUpdateRequest", UPDATE, ("associationTypeId", "label")
        )
        tid = b.integer(body["associationTypeId"], "associationTypeId")
        inverse = b.text(body["inverseLabel"]) if body.get("inverseLabel") else None
        ok = p.catalog.rename_label(tid, b.text(body["label"]), inverse)
        if not ok:
            raise BadRequest(not_found(f"No user-defined association type {tid}"))
        return Response(204)

    def delete(req: Request) -> Response:
        tid = int_arg(req.params["type_id"], "associationTypeId", default=-1)
        if not p.catalog.remove_label(tid):
            raise BadRequest(not_found(f"No user-defined association type {tid}"))
        return Response(204)

    g = guarded
    return [
        RouteSpec("GET", pair + "/labels", "associations.v4.labels.read", g(read)),
        RouteSpec("POST", pair + "/labels", "associations.v4.labels.create", g(create)),
        RouteSpec("PUT", pair + "/labels", "associations.v4.labels.update", g(update)),
        RouteSpec(
            "DELETE",
            pair + r"/labels/(?P<type_id>[^/]+)",
            "associations.v4.labels.delete",
            g(delete),
        ),
    ]
