"""A parsed mapping held against the core's targets: every problem with the path of its key.

A typo in a target field, a value map yielding a value the core refuses, or a route that cannot
create a record is an error at start-up, not a quarantine full of records at run time.
"""

from __future__ import annotations

from collections.abc import Iterator

from mappings.spec import MappingFile, Route, Scalar
from mappings.targets import TARGETS, TargetField
from mappings.yaml_lines import Path_

Problem = tuple[Path_, str]


def _value_problem(target: str, name: str, spec: TargetField, value: Scalar) -> str | None:
    if value is None or spec.kind == "ref" or not spec.choices or value in spec.choices:
        return None
    return f"{value!r} is not a {target} {name}; use one of {list(spec.choices)}"


def _route_problems(route: Route, at: Path_) -> Iterator[Problem]:
    known = TARGETS[route.target]
    for name, rule in route.fields.items():
        where = (*at, "fields", name)
        spec = known.get(name)
        if spec is None:
            yield where, f"{route.target} has no field {name!r}; use any of {sorted(known)}"
            continue
        for key, value in (("const", rule.const), ("default", rule.default)):
            reason = _value_problem(route.target, name, spec, value)
            if reason:
                yield (*where, key), reason
        for raw, mapped in (rule.map or {}).items():
            reason = _value_problem(route.target, name, spec, mapped)
            if reason:
                yield (*where, "map", raw), reason
        if spec.kind == "ref" and (rule.map is not None or rule.const is not None):
            yield where, "a reference takes the parent's CRM id; drop map and const"
    missing = [n for n, s in known.items() if s.required and n not in route.fields]
    if missing:
        yield (*at, "fields"), f"a new {route.target} needs {missing}; map them"


def problems(spec: MappingFile) -> list[Problem]:
    """Every problem of a parsed mapping, with the path of the key it concerns."""
    found: list[Problem] = []
    fed_by: dict[str, str] = {}
    for obj, ospec in spec.objects.items():
        for i, route in enumerate(ospec.routes):
            at: Path_ = ("objects", obj, "routes", i)
            found.extend(_route_problems(route, at))
            other = fed_by.setdefault(route.target, obj)
            if other != obj:
                found.append(
                    (
                        (*at, "target"),
                        f"{route.target} is fed by {other} already; one object per target",
                    )
                )
    return found
