"""Applies a mapping to CRM records: pure functions from a RawRecord to core values or a reason.

Routes are compiled once per mapping: each field rule becomes a closure, so mapping a record is a
few dictionary look-ups per field. Nothing is evaluated as code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from mappings.fields import CompiledField, compile_condition, compile_field
from mappings.records import MappedRecord, RawRecord, Rejected
from mappings.spec import MappingFile, Route
from mappings.targets import TARGET_ORDER, TARGETS
from mappings.values import BadValue, shown


@dataclass(frozen=True)
class CompiledRoute:
    """A route ready to apply: its conditions and field rules compiled."""

    target: str
    conditions: tuple[Callable[[RawRecord], bool], ...]
    fields: tuple[CompiledField, ...]
    owned: frozenset[str]
    #: The digest's text: ``name={i!s}`` per value, then per reference, names sorted in each
    #: part, ``i`` the field's place in ``fields`` (the values are passed in rule order).
    digest_form: str = field(init=False)
    #: Each field as (name, is a reference, its value function, its source), in rule order.
    plan: tuple[tuple[str, bool, Callable[[RawRecord], object], str], ...] = field(init=False)

    def __post_init__(self) -> None:
        place = {f.name: n for n, f in enumerate(self.fields)}

        def slots(refs: bool) -> str:
            names = sorted(f.name for f in self.fields if f.is_ref == refs)
            escaped = (n.replace("{", "{{").replace("}", "}}") for n in names)
            return "\x1f".join(f"{e}={{{place[n]}!s}}" for e, n in zip(escaped, names, strict=True))

        object.__setattr__(self, "digest_form", slots(False) + "\x1e" + slots(True))
        plan = tuple((f.name, f.is_ref, f.value, f.source) for f in self.fields)
        object.__setattr__(self, "plan", plan)

    def matches(self, record: RawRecord) -> bool:
        """Whether the record satisfies every ``when`` test."""
        for test in self.conditions:  # noqa: SIM110 - no generator per record
            if not test(record):
                return False
        return True

    def apply(self, record: RawRecord) -> MappedRecord | Rejected:
        """The record's values for this target, or the reasons it cannot be mapped."""
        if record.deleted:
            return MappedRecord(
                self.target, record.crm_id, record.stamp, {}, {}, self.owned, "deleted", True
            )
        values: dict[str, object] = {}
        refs: dict[str, str | None] = {}
        reasons: list[str] = []
        row: list[object] = []  # every value in rule order, references as text: the digest's
        for name, is_ref, value_of, source in self.plan:
            try:
                value = value_of(record)
            except BadValue as exc:
                reasons.append(str(exc))
                continue
            except (ValueError, ArithmeticError) as exc:  # a value no check foresaw: still a reason
                reasons.append(f"{source} cannot be read for {name}: {shown(str(exc), 120)}")
                continue
            if is_ref:
                value = refs[name] = None if value is None else str(value)
            else:
                values[name] = value
            row.append(value)
        if reasons:
            return Rejected(self.target, record.crm_id, record.stamp, "; ".join(reasons))
        digest = self.digest_form.format(*row)
        return MappedRecord(
            self.target,
            record.crm_id,
            record.stamp,
            values,
            refs,
            self.owned,
            hashlib.blake2b(digest.encode("utf-8"), digest_size=16).hexdigest(),
        )


def compile_route(route: Route) -> CompiledRoute:
    """Compile one route of a validated mapping file."""
    specs = TARGETS[route.target]
    fields = tuple(compile_field(name, rule, specs[name]) for name, rule in route.fields.items())
    conditions = tuple(compile_condition(n, t) for n, t in route.when.items())
    owned = frozenset(n for n, r in route.fields.items() if r.owner == "crm")
    return CompiledRoute(route.target, conditions, fields, owned)


class Mapping:
    """A loaded mapping file: which CRM objects to read, in which order, and how to map them."""

    def __init__(self, spec: MappingFile, path: str) -> None:
        self.spec = spec
        self.path = path
        self.version = spec.version
        self.crm = spec.crm
        self.push = spec.push
        self.routes: dict[str, tuple[CompiledRoute, ...]] = {
            obj: tuple(compile_route(r) for r in o.routes) for obj, o in spec.objects.items()
        }

    @property
    def objects(self) -> list[str]:
        """CRM objects in pull order: parents (partners, customers) before children (deals, lines)."""

        def rank(obj: str) -> int:
            return min(TARGET_ORDER.index(r.target) for r in self.routes[obj])

        return sorted(self.routes, key=rank)

    def object_of(self, target: str) -> str | None:
        """The CRM object that feeds ``target`` (at most one does)."""
        for obj, routes in self.routes.items():
            if any(r.target == target for r in routes):
                return obj
        return None

    def targets_of(self, obj: str) -> list[str]:
        """The core targets one CRM object feeds."""
        return [r.target for r in self.routes[obj]]

    def crm_fields(self, obj: str) -> list[str]:
        """Every CRM field the object's routes read (conditions and rules), sorted."""
        names: set[str] = set()
        for route in self.spec.objects[obj].routes:
            names.update(route.when)
            for rule in route.fields.values():
                names.update(rule.crm_fields())
        return sorted(names)

    def associations(self, obj: str) -> list[str]:
        """The objects whose associations the object's routes read (HubSpot)."""
        found = {
            rule.association.object
            for route in self.spec.objects[obj].routes
            for rule in route.fields.values()
            if rule.association is not None
        }
        return sorted(found)

    def apply(self, obj: str, records: Iterable[RawRecord]) -> list[MappedRecord | Rejected]:
        """Map a page of one object's records; a record matching no route gives nothing."""
        out: list[MappedRecord | Rejected] = []
        routes = self.routes[obj]
        for record in records:
            for route in routes:
                if record.deleted or route.matches(record):
                    out.append(route.apply(record))
        return out
