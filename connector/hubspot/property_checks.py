"""Property values checked against the portal's definitions before a batch goes out.

HubSpot refuses a whole batch with a 400 when one input carries a value it cannot store, and
finding that input costs two calls per halving (about 15 for one bad input among 100). So the
writer reads an object type's property definitions once (one call, cached) and fails, without
sending them, the inputs whose values HubSpot would certainly refuse: a property the portal does
not have, a read-only one, a number that is not a number, an option an enumeration does not list.
Anything else goes to HubSpot, which stays the judge (and the halving the fallback). When the
definitions cannot be read (the app lacks the schema scope), nothing is checked here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from connector.errors import CrmError
from connector.hubspot.client import RAW, HubSpotClient
from connector.writes import RecordError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PropertyRule:
    """What a property accepts: its type, whether it is read-only, its options."""

    type: str
    read_only: bool
    options: frozenset[str] | None  # None: any value
    multiple: bool = False  # checkbox enumerations take ``a;b``


def _rule(definition: Mapping[str, Any]) -> PropertyRule:
    meta = definition.get("modificationMetadata") or {}
    kind = str(definition.get("type") or "string")
    options = None
    if kind == "enumeration" and definition.get("options"):
        options = frozenset(str(o.get("value")) for o in definition["options"])
    return PropertyRule(
        kind,
        bool(meta.get("readOnlyValue")) or bool(definition.get("calculated")),
        options,
        definition.get("fieldType") == "checkbox",
    )


class PropertyChecks:
    """The property definitions of the object types a writer writes, read once each."""

    def __init__(self, client: HubSpotClient) -> None:
        self.client = client
        self._rules: dict[str, dict[str, PropertyRule] | None] = {}

    def rules(self, obj: str) -> dict[str, PropertyRule] | None:
        """``obj``'s properties by name (None when they cannot be read: nothing is checked)."""
        if obj not in self._rules:
            api = self.client.properties_api
            try:
                data = self.client.call(
                    f"read the {obj} property definitions",
                    lambda: api.get_all(obj, archived=False, **RAW),
                )
            except CrmError as exc:
                log.warning("%s; values are left for HubSpot to check", exc)
                self._rules[obj] = None
            else:
                self._rules[obj] = {
                    str(d["name"]): _rule(d) for d in data["results"] if d.get("name")
                }
        return self._rules[obj]

    def problem(self, obj: str, values: Mapping[str, str]) -> RecordError | None:
        """The first value of ``values`` HubSpot would refuse, as HubSpot's error, or None."""
        rules = self.rules(obj)
        if rules is None:
            return None
        for name, value in values.items():
            rule = rules.get(name)
            if rule is None:
                return RecordError(
                    "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist', (name,)
                )
            if rule.read_only:
                return RecordError("READ_ONLY_VALUE", f'Property "{name}" is read-only', (name,))
            if value == "":
                continue  # clears the property
            if rule.type == "number" and not _is_number(value):
                return RecordError(
                    "INVALID_DECIMAL", f'Property "{name}" value {value!r} is not a number', (name,)
                )
            if rule.options is not None:
                picked = value.split(";") if rule.multiple else [value]
                bad = [v for v in picked if v not in rule.options]
                if bad:
                    return RecordError(
                        "INVALID_OPTION",
                        f"{bad[0]} was not one of the allowed options of {name}: "
                        f"{sorted(rule.options)}",
                        (name,),
                    )
        return None


def _is_number(value: str) -> bool:
    try:
        return Decimal(value.strip()).is_finite()
    except InvalidOperation:
        return False
