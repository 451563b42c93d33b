"""Metadata routes: properties (every known object type, custom property creation, groups, batch
read), pipelines (deals' default Sales Pipeline, tickets' Support Pipeline) and schemas.

``/crm/v3/schemas`` (also under ``/crm-object-schemas/v3/schemas``, the path hubspot-api-client
uses) lists custom object schemas only (none until one is created), as HubSpot does;
``/crm/v3/schemas/{objectType}`` also answers for the standard object types.
"""

from __future__ import annotations

from typing import Any

from crm_sandbox.common.http import Request, Response, json_response
from crm_sandbox.hubspot import body as b
from crm_sandbox.hubspot.objects import KNOWN, STORED, ObjectType, resolve
from crm_sandbox.hubspot.pipelines import pipelines_for
from crm_sandbox.hubspot.portal import PORTAL_ID, Portal
from crm_sandbox.hubspot.routes_common import BadRequest, RouteSpec, body_object, guarded
from crm_sandbox.hubspot.wire import error, iso, not_found, now, validation_error

_T = r"(?P<otype>[^/]+)"
PROPERTY_CREATE = (
    "calculationFormula",
    "description",
    "displayOrder",
    "externalOptions",
    "fieldType",
    "formField",
    "groupName",
    "hasUniqueValue",
    "hidden",
    "label",
    "name",
    "options",
    "referencedObjectType",
    "type",
)
SCHEMA_EGG = (
    "associatedObjects",
    "description",
    "labels",
    "name",
    "primaryDisplayProperty",
    "properties",
    "requiredProperties",
    "searchableProperties",
    "secondaryDisplayProperties",
)


def _type(name: str) -> ObjectType:
    t = resolve(name)
    if t is None:
        raise BadRequest(validation_error(f"Unable to infer object type from: {name}"))
    return t


def meta_routes(portal: Portal) -> list[RouteSpec]:
    """Properties, pipelines and schemas routes."""
    p = portal

    def props_list(req: Request) -> Response:
        t = _type(req.params["otype"])
        return json_response({"results": [p.props.render(t, d) for d in p.props.of(t).values()]})

    def props_get(req: Request) -> Response:
        t = _type(req.params["otype"])
        d = p.props.get(t, req.params["name"])
        if d is None:
            raise BadRequest(not_found(f"Property {req.params['name']} does not exist"))
        return json_response(p.props.render(t, d))

    def props_create(req: Request) -> Response:
        t = _type(req.params["otype"])
        try:
            egg = body_object(req, "PropertyCreate", PROPERTY_CREATE)
            d = p.props.create(t, egg, now())
        except KeyError:
            name = egg.get("name")
            return error(409, f"Property named '{name}' already exists.", "OBJECT_ALREADY_EXISTS")
        except ValueError as exc:
            return validation_error(str(exc))
        return json_response(p.props.render(t, d), 201)

    def props_batch_read(req: Request) -> Response:
        t = _type(req.params["otype"])
        body = body_object(req, "BatchReadInputPropertyName", ("archived", "inputs"), ("inputs",))
        names = [
            b.text(b.model(i, "PropertyName", ("name",), ("name",))["name"])
            for i in b.objects(body["inputs"], "PropertyName")
        ]
        defs = p.props.of(t)
        started = iso(now())
        results = [p.props.render(t, defs[n]) for n in names if n in defs]
        return json_response(
            {"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": started}
        )

    def groups(req: Request) -> Response:
        t = _type(req.params["otype"])
        results = [
            {
                "name": g,
                "label": g.replace("information", " information").title(),
                "displayOrder": i,
                "archived": False,
            }
            for i, g in enumerate(p.props.groups(t))
        ]
        return json_response({"results": results})

    def pipelines(req: Request) -> Response:
        t = _type(req.params["otype"])
        return json_response({"results": pipelines_for(t, p.created)})

    def pipeline(req: Request) -> Response:
        found = _pipeline(p, req)
        return json_response(found)

    def stages(req: Request) -> Response:
        return json_response({"results": _pipeline(p, req)["stages"]})

    def stage(req: Request) -> Response:
        for s in _pipeline(p, req)["stages"]:
            if s["id"] == req.params["sid"]:
                return json_response(s)
        raise BadRequest(not_found(f"Stage {req.params['sid']} does not exist"))

    def schemas(req: Request) -> Response:
        return json_response({"results": list(p.schemas.values())})

    def schema(req: Request) -> Response:
        key = req.params["otype"]
        for s in p.schemas.values():
            if key in (s["objectTypeId"], s["name"], s["fullyQualifiedName"]):
                return json_response(s)
        t = resolve(key)
        if t is None:
            raise BadRequest(not_found(f"Unable to find object type {key}"))
        return json_response(standard_schema(p, t))

    def schema_create(req: Request) -> Response:
        return json_response(
            _create_schema(p, body_object(req, "ObjectSchemaEgg", SCHEMA_EGG)), 201
        )

    g = guarded
    return [
        RouteSpec("GET", f"/crm/v3/properties/{_T}/groups", "properties.groups", g(groups)),
        RouteSpec(
            "POST",
            f"/crm/v3/properties/{_T}/batch/read",
            "properties.batch.read",
            g(props_batch_read),
        ),
        RouteSpec("GET", f"/crm/v3/properties/{_T}", "properties.list", g(props_list)),
        RouteSpec("POST", f"/crm/v3/properties/{_T}", "properties.create", g(props_create)),
        RouteSpec(
            "GET", f"/crm/v3/properties/{_T}/(?P<name>[^/]+)", "properties.get", g(props_get)
        ),
        RouteSpec("GET", f"/crm/v3/pipelines/{_T}", "pipelines.list", g(pipelines)),
        RouteSpec("GET", f"/crm/v3/pipelines/{_T}/(?P<pid>[^/]+)", "pipelines.get", g(pipeline)),
        RouteSpec(
            "GET", f"/crm/v3/pipelines/{_T}/(?P<pid>[^/]+)/stages", "pipelines.stages", g(stages)
        ),
        RouteSpec(
            "GET",
            f"/crm/v3/pipelines/{_T}/(?P<pid>[^/]+)/stages/(?P<sid>[^/]+)",
            "pipelines.stage",
            g(stage),
        ),
        *(
            RouteSpec(method, prefix + suffix, name, g(fn))
            for prefix in ("/crm/v3/schemas", "/crm-object-schemas/v3/schemas")
            for method, suffix, name, fn in (
                ("GET", "", "schemas.list", schemas),
                ("POST", "", "schemas.create", schema_create),
                ("GET", f"/{_T}", "schemas.get", schema),
            )
        ),
    ]


def _pipeline(p: Portal, req: Request) -> dict[str, Any]:
    t = _type(req.params["otype"])
    for pipe in pipelines_for(t, p.created):
        if pipe["id"] == req.params["pid"]:
            return pipe
    raise BadRequest(not_found(f"Pipeline {req.params['pid']} does not exist"))


def standard_schema(p: Portal, t: ObjectType) -> dict[str, Any]:
    """The schema of a standard object type."""
    stamp = iso(p.created)
    assocs = [
        {
            "fromObjectTypeId": t.type_id,
            "toObjectTypeId": KNOWN[at.to_type].type_id,
            "name": at.name.upper(),
            "id": str(at.type_id),
            "createdAt": stamp,
            "updatedAt": stamp,
        }
        for other in STORED
        for at in p.catalog.between(t.name, other)
    ]
    return {
        "id": t.type_id,
        "objectTypeId": t.type_id,
        "name": t.singular.upper(),
        "fullyQualifiedName": t.singular.upper(),
        "labels": {"singular": t.label, "plural": t.label + "s"},
        "requiredProperties": [],
        "searchableProperties": list(p.text_properties(t)),
        "primaryDisplayProperty": t.primary_display,
        "secondaryDisplayProperties": [],
        "archived": False,
        "properties": [p.props.render(t, d) for d in p.props.of(t).values()],
        "associations": assocs,
        "createdAt": stamp,
        "updatedAt": stamp,
    }


def _create_schema(p: Portal, egg: dict[str, Any]) -> dict[str, Any]:
    name = str(egg.get("name") or "")
    labels = egg.get("labels") or {}
    if not name or not isinstance(labels, dict) or not egg.get("properties"):
        raise BadRequest(validation_error("A schema needs name, labels and properties"))
    if any(s["name"] == name for s in p.schemas.values()):
        raise BadRequest(error(409, f"Object type {name} already exists", "OBJECT_ALREADY_EXISTS"))
    type_id = f"2-{1000 + len(p.schemas) + 1}"
    stamp = iso(now())
    props = []
    for i, raw in enumerate(b.objects(egg["properties"], "ObjectTypePropertyCreate")):
        if not isinstance(raw, dict):
            raise b.mismatch("ObjectTypePropertyCreate", raw)
        props.append(
            {
                "name": raw.get("name"),
                "label": raw.get("label", raw.get("name")),
                "type": raw.get("type", "string"),
                "fieldType": raw.get("fieldType", "text"),
                "description": raw.get("description", ""),
                "groupName": name + "_information",
                "options": raw.get("options") or [],
                "displayOrder": i,
                "hasUniqueValue": bool(raw.get("hasUniqueValue", False)),
                "createdAt": stamp,
                "updatedAt": stamp,
                "calculated": False,
                "externalOptions": False,
                "hidden": False,
                "formField": True,
                "modificationMetadata": {
                    "archivable": True,
                    "readOnlyDefinition": False,
                    "readOnlyValue": False,
                },
            }
        )
    schema = {
        "id": type_id.split("-")[1],
        "objectTypeId": type_id,
        "name": name,
        "fullyQualifiedName": f"p{PORTAL_ID}_{name}",
        "labels": labels,
        "requiredProperties": b.texts(b.field(egg, "requiredProperties", [])),
        "searchableProperties": b.texts(b.field(egg, "searchableProperties", [])),
        "primaryDisplayProperty": egg.get("primaryDisplayProperty"),
        "secondaryDisplayProperties": b.texts(b.field(egg, "secondaryDisplayProperties", [])),
        "archived": False,
        "properties": props,
        "associations": [
            {
                "fromObjectTypeId": type_id,
                "toObjectTypeId": str(o),
                "name": f"{name}_to_{o}",
                "id": str(900 + i),
                "createdAt": stamp,
                "updatedAt": stamp,
            }
            for i, o in enumerate(b.texts(b.field(egg, "associatedObjects", [])))
        ],
        "createdAt": stamp,
        "updatedAt": stamp,
    }
    p.schemas[type_id] = schema
    return schema
