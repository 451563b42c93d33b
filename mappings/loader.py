"""Loading a mapping file: YAML with line numbers, validated, compiled; errors name file, line and key."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from mappings.checks import problems
from mappings.engine import Mapping
from mappings.spec import MappingFile
from mappings.yaml_lines import Path_, YamlError, line_of, read_with_lines

SHIPPED = Path(__file__).resolve().parent


class MappingError(ValueError):
    """A mapping file that cannot be used; the message has one line per problem."""


def _data_path(data: object, loc: tuple[str | int, ...]) -> Path_:
    """The part of a pydantic location that exists in the data (drops validator and union tags)."""
    path: list[str | int] = []
    node = data
    for step in loc:
        in_dict = isinstance(node, dict) and step in node
        in_list = isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)
        if not (in_dict or in_list):
            continue
        node = node[step]  # type: ignore[index]
        path.append(step)
    return tuple(path)


def _problems(source: str, data: object, lines: dict[Path_, int], exc: ValidationError) -> str:
    out = []
    for err in exc.errors():
        path = _data_path(data, tuple(err["loc"]))
        key = ".".join(str(p) for p in path) or "(top level)"
        message = str(err["msg"]).removeprefix("Value error, ")
        out.append(f"{source} line {line_of(lines, path)}: {key}: {message}")
    return "\n".join(out)


def load_mapping(path: str | Path) -> Mapping:
    """Read, validate and compile a mapping file; a bad file raises MappingError."""
    source = str(path)
    try:
        data, lines = read_with_lines(path)
    except YamlError as exc:
        raise MappingError(str(exc)) from None
    try:
        spec = MappingFile.model_validate(data)
    except ValidationError as exc:
        raise MappingError(_problems(source, data, lines, exc)) from None
    found = problems(spec)
    if found:
        raise MappingError(
            "\n".join(
                f"{source} line {line_of(lines, path)}: {'.'.join(map(str, path))}: {reason}"
                for path, reason in found
            )
        )
    return Mapping(spec, source)


def shipped(crm: str) -> Path:
    """The path of the mapping file shipped for a CRM (``mappings/<crm>.yaml``)."""
    return SHIPPED / f"{crm}.yaml"
