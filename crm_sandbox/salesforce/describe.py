"""Describe payloads: the global sObject list and per-object field metadata."""

from __future__ import annotations

from crm_sandbox.salesforce.schema import SOAP_TYPES, FieldDef, ObjectDef


def object_urls(obj: ObjectDef, version: str) -> dict[str, str]:
    """The ``urls`` block of an object."""
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {
        "sobject": base,
        "describe": f"{base}/describe",
        "rowTemplate": f"{base}/{{ID}}",
    }


def object_summary(obj: ObjectDef, version: str) -> dict[str, object]:
    """One entry of the global ``sobjects`` list."""
    return {
        "activateable": False,
        "createable": not obj.read_only,
        "custom": False,
        "customSetting": False,
        "deletable": not obj.read_only,
        "deprecatedAndHidden": False,
        "feedEnabled": False,
        "keyPrefix": obj.key_prefix,
        "label": obj.label,
        "labelPlural": obj.label_plural,
        "layoutable": True,
        "mergeable": obj.name in ("Account", "Contact"),
        "mruEnabled": True,
        "name": obj.name,
        "queryable": True,
        "replicateable": True,
        "retrieveable": True,
        "searchable": True,
        "triggerable": not obj.read_only,
        "undeletable": not obj.read_only,
        "updateable": not obj.read_only,
        "urls": object_urls(obj, version),
    }


def field_describe(fd: FieldDef) -> dict[str, object]:
    """One entry of an object's ``fields``."""
    numeric = fd.type in ("currency", "double", "percent", "int")
    return {
        "name": fd.name,
        "label": fd.label,
        "type": fd.type,
        "soapType": SOAP_TYPES[fd.type],
        "length": 0 if numeric or fd.type in ("boolean", "date", "datetime") else fd.length,
        "precision": fd.precision if numeric and fd.type != "int" else 0,
        "scale": fd.scale if numeric and fd.type != "int" else 0,
        "digits": 9 if fd.type == "int" else 0,
        "nillable": fd.nillable,
        "createable": fd.createable,
        "updateable": fd.updateable,
        "defaultedOnCreate": fd.type == "boolean" or fd.name in ("Id", "CreatedDate"),
        "calculated": False,
        "custom": fd.custom,
        "externalId": fd.external_id,
        "unique": fd.unique,
        "idLookup": fd.name == "Id" or fd.external_id,
        "filterable": fd.filterable,
        "sortable": fd.sortable,
        "groupable": fd.type not in ("textarea", "currency", "double", "percent", "datetime"),
        "caseSensitive": False,
        "autoNumber": fd.name in ("QuoteNumber", "OrderNumber"),
        "referenceTo": list(fd.reference_to),
        "relationshipName": fd.relationship_name,
        "cascadeDelete": False,
        "restrictedPicklist": fd.restricted,
        "picklistValues": [
            {"active": True, "defaultValue": False, "label": v, "validFor": None, "value": v}
            for v in fd.picklist
        ],
        "defaultValue": False if fd.type == "boolean" else None,
    }


def object_describe(
    obj: ObjectDef, version: str, children: list[dict[str, object]]
) -> dict[str, object]:
    """The full ``sobjects/{name}/describe`` payload."""
    out = object_summary(obj, version)
    out.update(
        {
            "fields": [field_describe(fd) for fd in obj.fields],
            "childRelationships": children,
            "recordTypeInfos": [],
            "supportedScopes": [{"label": "All " + obj.label_plural.lower(), "name": "everything"}],
        }
    )
    return out


def child_relationships(objects: dict[str, ObjectDef], parent: str) -> list[dict[str, object]]:
    """Which objects point at ``parent`` through which field."""
    out: list[dict[str, object]] = []
    for obj in objects.values():
        for fd in obj.fields:
            if parent in fd.reference_to:
                out.append(
                    {
                        "childSObject": obj.name,
                        "field": fd.name,
                        "cascadeDelete": False,
                        "relationshipName": None,
                        "deprecatedAndHidden": False,
                        "restrictedDelete": False,
                    }
                )
    return out
