"""Field rules and ``when`` tests compiled into closures: all that can be decided once is decided once.

A compiled field reads its raw value, treats null or blank as missing, shapes it (transform, value
map), falls back to the default and converts it with the converter of its target field; a failure
is a ``BadValue`` naming the CRM field, the problem and the core field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mappings.coercers import coercer
from mappings.records import RawRecord
from mappings.spec import Condition, FieldRule
from mappings.targets import TargetField
from mappings.values import BadValue, as_text, host_of, is_missing, shown, to_date

Getter = Callable[[RawRecord], object]
Shape = Callable[[object], object]

_TRANSFORMS: dict[str, Callable[[str], object]] = {
    "strip": str.strip,
    "lower": lambda v: v.strip().lower(),
    "upper": lambda v: v.strip().upper(),
    "domain": host_of,
    "email": lambda v: v.strip().lower(),
    "date": to_date,
}


_NONE = object()


def _one_of(linked: list[tuple[str, frozenset[str]]], obj: str, label: str | None) -> object:
    """The one associated id with the label, or BadValue naming the ones found."""
    ids = sorted({i for i, labels in linked if label is None or label in labels})
    if len(ids) > 1:
        raise BadValue(f"{len(ids)} associated {obj} carry the label {label!r}: {ids[:5]}")
    return ids[0] if ids else None


def _getter(rule: FieldRule) -> tuple[Getter, str]:
    """A function reading the rule's raw value, and how to name that source in a reason."""
    if rule.const is not None:
        const = rule.const
        return (lambda _r: const), "const"
    if rule.association is not None:
        obj, label = rule.association.object, rule.association.label

        def associated(record: RawRecord) -> object:
            linked = record.associations.get(obj, [])
            found: object = _NONE
            for i, labels in linked:
                if label is None or label in labels:
                    if found is _NONE:
                        found = i
                    elif i != found:  # more than one: the reason lists them
                        return _one_of(linked, obj, label)
            return None if found is _NONE else found

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


def _shaper(rule: FieldRule, source: str, name: str) -> Shape | None:
    """The rule's transform then value map, or None when it has neither."""
    transform = None if rule.transform is None else _TRANSFORMS[rule.transform]
    table = rule.map
    if transform is None and table is None:
        return None
    star = table is not None and "*" in table
    known = sorted(k for k in table or {} if k != "*")[:12]

    def shaped(raw: object) -> object:
        if transform is not None:
            try:
                raw = transform(raw if type(raw) is str else as_text(raw))
            except BadValue as exc:
                raise BadValue(f"{source} {exc}") from None
        if table is not None and not (raw is None or (isinstance(raw, str) and not raw.strip())):
            key = raw if type(raw) is str else as_text(raw)
            if key in table:
                return table[key]
            if star:
                return table["*"]
            raise BadValue(
                f"{source} {shown(key)} is not in the value map of {name} "
                f"(known: {known}); add it to the mapping"
            )
        return raw

    return shaped


def _fallback(
    rule: FieldRule, spec: TargetField, source: str, name: str, required: bool
) -> Callable[[], object]:
    """What a missing value becomes: the default (converted once), None, or a reason."""
    default = rule.default
    if is_missing(default):
        if required:
            message = f"{source} is empty and {name} requires a value"

            def refused() -> object:
                raise BadValue(message)

            return refused
        return lambda: None
    convert = coercer(spec)
    try:
        fixed = convert(default)
    except BadValue as exc:
        reason = f"{source} {exc} (for {name})"

        def bad_default() -> object:
            raise BadValue(reason)

        return bad_default
    except Exception:  # a failure no check foresaw: raised per record, as it was
        return lambda: convert(default)
    return lambda: fixed


@dataclass(frozen=True)
class CompiledField:
    """One field rule ready to apply: ``value(record)`` is the core value or raises BadValue."""

    name: str
    source: str
    is_ref: bool
    value: Getter


def compile_field(name: str, rule: FieldRule, spec: TargetField) -> CompiledField:
    """Compile one rule for the target field ``name`` of kind ``spec``."""
    read, source = _getter(rule)
    shape = _shaper(rule, source, name)
    missing = _fallback(rule, spec, source, name, rule.required or spec.required)
    convert = coercer(spec)

    single = rule.crm_fields() if rule.const is None and rule.association is None else []
    if len(single) == 1 and shape is None:  # the common case: one CRM field as it is
        key = single[0]

        def plain(record: RawRecord) -> object:
            raw = record.fields.get(key)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                return missing()
            try:
                return convert(raw)
            except BadValue as exc:
                raise BadValue(f"{source} {exc} (for {name})") from None

        return CompiledField(name, source, spec.kind == "ref", plain)

    def value(record: RawRecord) -> object:
        raw = read(record)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return missing()
        if shape is not None:
            raw = shape(raw)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                return missing()
        try:
            return convert(raw)
        except BadValue as exc:
            raise BadValue(f"{source} {exc} (for {name})") from None

    return CompiledField(name, source, spec.kind == "ref", value)


def _text_or_none(value: object) -> str | None:
    return None if is_missing(value) else as_text(value)


def compile_condition(name: str, test: Condition) -> Callable[[RawRecord], bool]:
    """A ``when`` test on the CRM field ``name``: present / absent, in, not in, or equal."""
    if test.present is not None:
        want = test.present
        return lambda r: (not is_missing(r.fields.get(name))) == want
    if test.in_ is not None:
        allowed = {None if v is None else as_text(v) for v in test.in_}
        return lambda r: _text_or_none(r.fields.get(name)) in allowed
    if test.not_in is not None:
        refused = {None if v is None else as_text(v) for v in test.not_in}
        return lambda r: _text_or_none(r.fields.get(name)) not in refused
    equal = None if test.equals is None else as_text(test.equals)
    return lambda r: _text_or_none(r.fields.get(name)) == equal
