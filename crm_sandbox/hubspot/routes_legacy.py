"""HubSpot's legacy v2 properties API, which extractors still use for discovery.

``GET /properties/v2/{objectType}/properties`` answers a bare JSON array (no ``results``
wrapper) and ``GET /properties/v2/{objectType}/properties/named/{name}`` one property, in the
legacy field names: epoch-millisecond ``createdAt`` / ``updatedAt``, ``readOnlyValue`` and
``readOnlyDefinition`` at the top level, ``deleted``, ``favorited``, options with ``readOnly`` and
``doubleData``. Both read the same definitions as ``/crm/v3/properties``, so a custom property
created through v3 shows up here too. The object type may be plural, singular or a type id.
"""

from __future__ import annotations

from typing import Any

from crm_sandbox.common.http import Request, Response, json_response
from crm_sandbox.hubspot.objects import ObjectType, resolve
from crm_sandbox.hubspot.portal import Portal
from crm_sandbox.hubspot.property_defs import PropertyDef
from crm_sandbox.hubspot.routes_common import BadRequest, RouteSpec, guarded
from crm_sandbox.hubspot.wire import epoch_ms, not_found, validation_error

_BASE = r"/properties/v2/(?P<otype>[^/]+)/properties"


def _type(name: str) -> ObjectType:
    t = resolve(name)
    if t is None:
        raise BadRequest(validation_error(f"Unable to infer object type from: {name}"))
    return t


def legacy_property(portal: Portal, t: ObjectType, prop: PropertyDef) -> dict[str, Any]:
    """One property in the v1/v2 shape."""
    stamp = epoch_ms(portal.props.stamp(t, prop))
    return {
        "name": prop.name,
        "label": prop.label,
        "description": prop.description,
        "groupName": prop.group_name,
        "type": prop.type,
        "fieldType": prop.field_type,
        "options": [
            {
                "description": None,
                "label": label,
                "value": value,
                "displayOrder": i,
                "hidden": False,
                "readOnly": False,
                "doubleData": 0.0,
            }
            for i, (label, value) in enumerate(prop.options)
        ],
        "displayOrder": prop.display_order,
        "formField": not prop.read_only,
        "readOnlyValue": prop.read_only,
        "readOnlyDefinition": prop.hubspot_defined,
        "hidden": False,
        "mutableDefinitionNotDeletable": prop.hubspot_defined,
        "favorited": False,
        "favoritedOrder": -1,
        "calculated": prop.calculated,
        "externalOptions": False,
        "displayMode": "current_value",
        "showCurrencySymbol": None,
        "hubspotDefined": True if prop.hubspot_defined else None,
        "createdAt": stamp,
        "updatedAt": stamp,
        "createdUserId": None,
        "updatedUserId": None,
        "textDisplayHint": None,
        "numberDisplayHint": None,
        "optionsAreMutable": None,
        "referencedObjectType": None,
        "isCustomizedDefault": False,
        "searchableInGlobalSearch": False,
        "currencyPropertyName": None,
        "hasUniqueValue": prop.unique,
        "deleted": False,
    }


def legacy_routes(portal: Portal) -> list[RouteSpec]:
    """The v2 property list and single-property routes."""

    def list_all(req: Request) -> Response:
        t = _type(req.params["otype"])
        return json_response([legacy_property(portal, t, d) for d in portal.props.of(t).values()])

    def named(req: Request) -> Response:
        t = _type(req.params["otype"])
        d = portal.props.get(t, req.params["name"])
        if d is None:
            raise BadRequest(not_found(f"Property {req.params['name']} does not exist"))
        return json_response(legacy_property(portal, t, d))

    return [
        RouteSpec("GET", _BASE, "properties.v2.list", guarded(list_all)),
        RouteSpec("GET", _BASE + r"/named/(?P<name>[^/]+)", "properties.v2.get", guarded(named)),
    ]
