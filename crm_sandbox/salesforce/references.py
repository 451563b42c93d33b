"""Relationship references by external id in a write: ``"Account": {"Channelsync_Id__c": "C-1"}``.

A record may name its parent through the relationship (``Account`` for ``AccountId``,
``Order`` for ``OrderId``, ``Parent__r`` for ``Parent__c``) and one external-id field of the parent
instead of the parent's record id; ``attributes.type`` is needed only where the reference can
point at several objects. The error codes and wording are Salesforce's: ``INVALID_FIELD`` for a
parent that is not found ("Foreign key external ID: ... not found for field ... in entity ...")
and for a field that is not an external id.
"""

from __future__ import annotations

from crm_sandbox.salesforce.errors import invalid_field
from crm_sandbox.salesforce.json_values import json_error, parse_json_value
from crm_sandbox.salesforce.schema import FieldDef
from crm_sandbox.salesforce.store import Store


def resolve_reference(store: Store, fd: FieldDef, relationship: str, raw: object) -> str:
    """The id of the record ``raw`` (``{external id field: value}``) names for reference ``fd``."""
    if not isinstance(raw, dict):
        raise json_error(fd, raw, fd.reference_to[0])
    attrs = raw.get("attributes")
    named = attrs.get("type") if isinstance(attrs, dict) else None
    if named is None and len(fd.reference_to) > 1:
        raise invalid_field(
            f"The polymorphic relationship {relationship} needs attributes.type naming one of "
            f"{', '.join(fd.reference_to)}",
            [fd.name],
        )
    target = store.sobject(str(named or fd.reference_to[0]))
    if target.name not in fd.reference_to:
        raise invalid_field(
            f"{relationship} cannot refer to an entity of type {target.name}", [fd.name]
        )
    keys = [k for k in raw if k != "attributes"]
    if len(keys) != 1:
        raise invalid_field(
            f"The reference {relationship} must name exactly one external ID field of "
            f"{target.name}, not {len(keys)}",
            [fd.name],
        )
    ext = target.field(keys[0])
    if ext is None:
        raise invalid_field(
            f"No such column '{keys[0]}' on sobject of type {target.name}", [keys[0]]
        )
    if not (ext.external_id or ext.unique):
        raise invalid_field(
            f"Field name provided, {ext.name} is not an External ID or indexed field for "
            f"{target.name}",
            [fd.name],
        )
    value = raw[keys[0]]
    if value is None or value == "":
        raise invalid_field(
            f"Foreign key external ID: {value} not found for field {ext.name} in entity "
            f"{target.name}",
            [fd.name],
        )
    matches = store.find_by(target.name, ext.name, parse_json_value(ext, value))
    if not matches:
        raise invalid_field(
            f"Foreign key external ID: {value} not found for field {ext.name} in entity "
            f"{target.name}"
        )
    if len(matches) > 1:
        raise invalid_field(
            f"Foreign key external ID: {value} matched more than one record for field "
            f"{ext.name} in entity {target.name}"
        )
    return str(matches[0]["Id"])
