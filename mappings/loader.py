"""Loading a mapping file: YAML with line numbers, validated, compiled; errors name file, line and key."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from mappings.checks import problems
from mappings.engine import Mapping
from mappings.push import push_problems
from mappings.spec import MappingFile
from mappings.yaml_lines import YamlError, line_of, read_with_lines, validation_problems

SHIPPED = Path(__file__).resolve().parent


class MappingError(ValueError):
    """A mapping file that cannot be used; the message has one line per problem."""


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
        raise MappingError(validation_problems(source, data, lines, exc)) from None
    found = problems(spec) + push_problems(spec)
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
