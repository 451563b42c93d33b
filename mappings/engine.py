"""Applies a mapping to CRM records: pure functions from a RawRecord to core values or a reason.

Routes are compiled once per mapping: each field rule becomes a closure, so mapping a record is a
few dictionary look-ups per field. Nothing is evaluated as code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from mappings.records import MappedRecord, RawRecord, Rejected
from mappings.spec import Condition, FieldRule, MappingFile, Route
from mappings.targets import TARGET_ORDER, TARGETS, TargetField
from mappings.values import BadValue, as_text, coerce, host_of, is_missing, shown, to_date

Getter = Callable[[RawRecord], object]

_TRANSFORMS: dict[str, Callable[[str], object]] = {
    "strip": str.strip,
    "lower": lambda v: v.strip().lower(),
    "upper": lambda v: v.strip().upper(),
    "domain": host_of,
    "email": lambda v: v.strip().lower(),
    "date": to_date,
}


def _getter(rule: FieldRule) -> tuple[Getter, str]:
    """A function reading the rule's raw value, and how to name that source in a reason."""
    if rule.const is not None:
        const = rule.const
        return (lambda _r: const), "const"
    if rule.association is not None:
        obj, label = rule.association.object, rule.association.label

        def associated(record: RawRecord) -> object:
            ids = sorted(
                {
                    i
                    for i, labels in record.associations.get(obj, [])
                    if label is None or label in labels
                }
            )
            if len(ids) > 1:
                raise BadValue(f"{len(ids)} associated {obj} carry the label {label!r}: {ids[:5]}")
            return ids[0] if ids else None

        return associated, f"association {obj}" + (f" [{label}]" if label else "")
    names = rule.crm_fields()
    if len(names) == 1:
        name = names[0]
        return (lambda r: r.fields.get(name)), name
    sep = rule.join

    def joined(record: RawRecord) -> object:
        parts = [as_text(v).strip() for n in names if not is_missing(v := record.fields.get(n))]
        return sep.join(parts) or None

    return joined, "+".join(names)


@dataclass(frozen=True)
class _CompiledField:
    name: str
    source: str
    read: Getter
    rule: FieldRule
    spec: TargetField
    required: bool

    def value(self, record: RawRecord) -> object:
        raw = self.read(record)
        rule = self.rule
        missing = raw is None or (isinstance(raw, str) and not raw.strip())
        if not missing and (rule.transform is not None or rule.map is not None):
            raw = self._shaped(raw)
            missing = is_missing(raw)
        if missing:
            raw = rule.default
            if is_missing(raw):
                if self.required:
                    raise BadValue(f"{self.source} is empty and {self.name} requires a value")
                return None
        try:
            return coerce(raw, self.spec)
        except BadValue as exc:
            raise BadValue(f"{self.source} {exc} (for {self.name})") from None

    def _shaped(self, raw: object) -> object:
        """The value after the rule's transform and value map."""
        rule = self.rule
        if rule.transform is not None:
            try:
                raw = _TRANSFORMS[rule.transform](as_text(raw))
            except BadValue as exc:
                raise BadValue(f"{self.source} {exc}") from None
        if rule.map is not None and not is_missing(raw):
            key = as_text(raw)
            if key in rule.map:
                return rule.map[key]
            if "*" in rule.map:
                return rule.map["*"]
            known = sorted(k for k in rule.map if k != "*")
            raise BadValue(
                f"{self.source} {shown(key)} is not in the value map of {self.name} "
                f"(known: {known[:12]}); add it to the mapping"
            )
        return raw


def _matches(test: Condition, value: object) -> bool:
    present = not is_missing(value)
    if test.present is not None:
        return present == test.present
    text = as_text(value) if present else None
    if test.in_ is not None:
        return text in {None if v is None else as_text(v) for v in test.in_}
    if test.not_in is not None:
        return text not in {None if v is None else as_text(v) for v in test.not_in}
    return text == (None if test.equals is None else as_text(test.equals))


@dataclass(frozen=True)
class CompiledRoute:
    """A route ready to apply: its conditions and field rules compiled."""

    target: str
    conditions: tuple[tuple[str, Condition], ...]
    fields: tuple[_CompiledField, ...]
    owned: frozenset[str]

    def matches(self, record: RawRecord) -> bool:
        """Whether the record satisfies every ``when`` test."""
        return all(_matches(t, record.fields.get(n)) for n, t in self.conditions)

    def apply(self, record: RawRecord) -> MappedRecord | Rejected:
        """The record's values for this target, or the reasons it cannot be mapped."""
        if record.deleted:
            return MappedRecord(
                self.target, record.crm_id, record.stamp, {}, {}, self.owned, "deleted", True
            )
        values: dict[str, object] = {}
        refs: dict[str, str | None] = {}
        reasons: list[str] = []
        for f in self.fields:
            try:
                value = f.value(record)
            except BadValue as exc:
                reasons.append(str(exc))
                continue
            except (ValueError, ArithmeticError) as exc:  # a value no check foresaw: still a reason
                reasons.append(f"{f.source} cannot be read for {f.name}: {shown(str(exc), 120)}")
                continue
            if f.spec.kind == "ref":
                refs[f.name] = None if value is None else str(value)
            else:
                values[f.name] = value
        if reasons:
            return Rejected(self.target, record.crm_id, record.stamp, "; ".join(reasons))
        return MappedRecord(
            self.target,
            record.crm_id,
            record.stamp,
            values,
            refs,
            self.owned,
            _digest(values, refs),
        )


def _digest(values: dict[str, object], refs: dict[str, str | None]) -> str:
    text = "\x1f".join(f"{k}={values[k]!s}" for k in sorted(values))
    text += "\x1e" + "\x1f".join(f"{k}={refs[k]}" for k in sorted(refs))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def compile_route(route: Route) -> CompiledRoute:
    """Compile one route of a validated mapping file."""
    specs = TARGETS[route.target]
    fields = []
    for name, rule in route.fields.items():
        read, source = _getter(rule)
        spec = specs[name]
        fields.append(
            _CompiledField(name, source, read, rule, spec, rule.required or spec.required)
        )
    owned = frozenset(n for n, r in route.fields.items() if r.owner == "crm")
    return CompiledRoute(route.target, tuple(route.when.items()), tuple(fields), owned)


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
