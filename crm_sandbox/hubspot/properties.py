"""The portal's property registry: definitions per object type, custom properties, value checks.

Values are validated and normalised as HubSpot does on write: numbers must parse, enumerations
must be one of the options, booleans are ``true``/``false``, datetimes accept epoch
milliseconds or ISO text and are stored as ISO with milliseconds and ``Z``; dates accept the
same but only at midnight UTC (anything else is HubSpot's ``INVALID_DATE`` "... UTC, not
midnight!") and are stored and served as ``YYYY-MM-DD``; unknown and read-only properties are
refused. Every error names the property, as HubSpot's ``Property values were not
valid`` message does.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from crm_sandbox.hubspot.objects import ObjectType
from crm_sandbox.hubspot.property_defs import PropertyDef, all_standard
from crm_sandbox.hubspot.push_properties import push_properties
from crm_sandbox.hubspot.wire import iso, parse_when

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TYPES = {"string", "number", "date", "datetime", "enumeration", "bool"}


class PropertyValueError(ValueError):
    """A write carried invalid property values; ``problems`` is HubSpot's per-property list."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        self.problems = problems
        super().__init__("Property values were not valid: " + json.dumps(problems))


class PropertyRegistry:
    """Property definitions of every known object type (thread-safe; custom ones can be added)."""

    def __init__(self, created: datetime) -> None:
        self._lock = threading.Lock()
        self._created = created
        self._props: dict[str, dict[str, PropertyDef]] = {
            name: {p.name: p for p in [*defs, *push_properties(name)]}
            for name, defs in all_standard().items()
        }
        self._stamps: dict[tuple[str, str], datetime] = {}
        self._names: dict[str, frozenset[str]] = {}

    def of(self, t: ObjectType) -> dict[str, PropertyDef]:
        """Definitions of an object type by name (a snapshot)."""
        with self._lock:
            return dict(self._props.get(t.name, {}))

    def names(self, t: ObjectType) -> frozenset[str]:
        """Names of an object type's properties (cached; rendering asks for every record)."""
        cached = self._names.get(t.name)
        if cached is None:
            with self._lock:
                cached = frozenset(self._props.get(t.name, {}))
                self._names[t.name] = cached
        return cached

    def get(self, t: ObjectType, name: str) -> PropertyDef | None:
        """One definition, or ``None``."""
        with self._lock:
            return self._props.get(t.name, {}).get(name)

    def create(self, t: ObjectType, body: dict[str, Any], at: datetime) -> PropertyDef:
        """Add a custom property from a ``PropertyCreate`` body; ``ValueError`` names what is wrong."""
        name = str(body.get("name") or "")
        for key in ("name", "label", "type", "fieldType", "groupName"):
            if not body.get(key):
                raise ValueError(f"Property '{name or '?'}' is missing the required field {key}")
        if not _NAME.match(name):
            raise ValueError(
                f"Property name '{name}' is invalid: use lower-case letters, digits and underscores"
            )
        if body["type"] not in _TYPES:
            raise ValueError(f"Property '{name}' has unknown type {body['type']!r}")
        options = [
            (str(o.get("label", o.get("value"))), str(o.get("value")))
            for o in body.get("options") or []
            if isinstance(o, dict)
        ]
        if body["type"] == "enumeration" and not options and body["fieldType"] != "booleancheckbox":
            raise ValueError(f"Enumeration property '{name}' needs at least one option")
        if body["type"] == "bool" and not options:
            options = [("True", "true"), ("False", "false")]
        prop = PropertyDef(
            name,
            str(body["label"]),
            str(body["type"]),
            field_type=str(body["fieldType"]),
            group_name=str(body["groupName"]),
            description=str(body.get("description") or ""),
            options=options,
            unique=bool(body.get("hasUniqueValue", False)),
            hubspot_defined=False,
            display_order=int(body.get("displayOrder", -1)),
        )
        with self._lock:
            existing = self._props.setdefault(t.name, {})
            if name in existing:
                raise KeyError(name)
            existing[name] = prop
            self._stamps[(t.name, name)] = at
            self._names.pop(t.name, None)
        return prop

    def stamp(self, t: ObjectType, prop: PropertyDef) -> datetime:
        """When a property was defined (the portal's creation for standard properties)."""
        with self._lock:
            return self._stamps.get((t.name, prop.name), self._created)

    def render(self, t: ObjectType, prop: PropertyDef) -> dict[str, Any]:
        """The ``Property`` JSON the client's model reads."""
        stamp = self.stamp(t, prop)
        body: dict[str, Any] = {
            "updatedAt": iso(stamp),
            "createdAt": iso(stamp),
            "name": prop.name,
            "label": prop.label,
            "type": prop.type,
            "fieldType": prop.field_type,
            "description": prop.description,
            "groupName": prop.group_name,
            "options": [
                {"label": label, "value": value, "displayOrder": i, "hidden": False}
                for i, (label, value) in enumerate(prop.options)
            ],
            "displayOrder": prop.display_order,
            "calculated": prop.calculated,
            "externalOptions": False,
            "hasUniqueValue": prop.unique,
            "hidden": False,
            "modificationMetadata": {
                "archivable": not prop.hubspot_defined,
                "readOnlyDefinition": prop.hubspot_defined,
                "readOnlyValue": prop.read_only,
            },
            "formField": not prop.read_only,
            "dataSensitivity": "non_sensitive",
        }
        if prop.hubspot_defined:
            body["hubspotDefined"] = True
        return body

    def groups(self, t: ObjectType) -> list[str]:
        """Names of the property groups used by an object type."""
        with self._lock:
            return sorted({p.group_name for p in self._props.get(t.name, {}).values()})

    def normalise(self, t: ObjectType, values: dict[str, Any]) -> dict[str, str]:
        """Validated, normalised string values; raises :class:`PropertyValueError`."""
        defs = self.of(t)
        out: dict[str, str] = {}
        problems: list[dict[str, Any]] = []
        for name, raw in values.items():
            prop = defs.get(name)
            if prop is None:
                problems.append(_problem(name, raw, "PROPERTY_DOESNT_EXIST", "does not exist"))
                continue
            if prop.read_only:
                problems.append(_problem(name, raw, "READ_ONLY_VALUE", "is read-only"))
                continue
            value, problem = _coerce(prop, raw)
            if problem is not None:
                problems.append(problem)
            else:
                out[name] = value
        if problems:
            raise PropertyValueError(problems)
        return out


def _problem(name: str, raw: Any, code: str, what: str, *, plain: bool = False) -> dict[str, Any]:
    return {
        "isValid": False,
        "message": what if plain or code == "INVALID_OPTION" else f'Property "{name}" {what}',
        "error": code,
        "name": name,
        "localizedErrorMessage": f'Property "{name}" {what}',
    }


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def _coerce(prop: PropertyDef, raw: Any) -> tuple[str, dict[str, Any] | None]:
    text = _text(raw)
    if text == "":
        return "", None  # HubSpot clears a property written with an empty value
    if prop.type == "number":
        try:
            Decimal(text)
        except InvalidOperation:
            return "", _problem(
                prop.name, raw, "INVALID_DECIMAL", f"value '{text}' is not a number"
            )
        return text, None
    if prop.type == "bool":
        low = text.lower()
        if low not in ("true", "false"):
            return "", _problem(prop.name, raw, "INVALID_BOOLEAN", f"value '{text}' is not a bool")
        return low, None
    if prop.type in ("datetime", "date"):
        when = parse_when(text)
        if when is None:
            return "", _problem(prop.name, raw, "INVALID_DATE", f"value '{text}' is not a date")
        if prop.type == "datetime":
            return iso(when), None
        if (when.hour, when.minute, when.second, when.microsecond) != (0, 0, 0, 0):
            at = f"{when.hour}:{when.minute}:{when.second}.{when.microsecond // 1000}"
            msg = f"{text} is at {at} UTC, not midnight!"
            return "", _problem(prop.name, raw, "INVALID_DATE", msg, plain=True)
        return when.date().isoformat(), None
    if prop.type == "enumeration" and prop.options:
        allowed = prop.option_values()
        picked = text.split(";") if prop.field_type == "checkbox" else [text]
        bad = [p for p in picked if p not in allowed]
        if bad:
            msg = f"{bad[0]} was not one of the allowed options: {sorted(allowed)}"
            return "", _problem(prop.name, raw, "INVALID_OPTION", msg)
    return text, None
