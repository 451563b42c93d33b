"""YAML read with the line of every value, so a mapping error can name the file, the line and the key.

Scalars keep their meaning without YAML's float: ``12.50`` becomes ``Decimal("12.50")``. Mapping keys
stay the text written (``true:`` is the key ``"true"``), because value maps are keyed by CRM text.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path_ = tuple[str | int, ...]
_TAG = "tag:yaml.org,2002:"


class YamlError(ValueError):
    """The file cannot be read or is not YAML; the message names the file and the line."""


def _scalar(node: ScalarNode) -> object:
    tag = node.tag.removeprefix(_TAG)
    if tag == "null":
        return None
    if tag == "bool":
        return node.value.lower() in ("true", "yes", "on")
    if tag == "int":
        try:
            return int(node.value.replace("_", ""), 0)
        except ValueError:
            return node.value
    if tag == "float":
        try:
            return Decimal(node.value.replace("_", ""))
        except ArithmeticError:
            return node.value
    return node.value


def _build(node: Node, path: Path_, lines: dict[Path_, int], source: str) -> object:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, MappingNode):
        out: dict[str, object] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in out:
                raise YamlError(
                    f"{source} line {key_node.start_mark.line + 1}: the key {key!r} appears twice; "
                    "keep one"
                )
            out[key] = _build(value_node, (*path, key), lines, source)
        return out
    if isinstance(node, SequenceNode):
        return [_build(item, (*path, i), lines, source) for i, item in enumerate(node.value)]
    assert isinstance(node, ScalarNode)
    return _scalar(node)


def read_with_lines(path: str | Path) -> tuple[object, dict[Path_, int]]:
    """The file's data and the 1-based line of every value, by its path of keys and indices."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise YamlError(f"{source}: no such file; check the path") from None
    except UnicodeDecodeError:
        raise YamlError(f"{source}: not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise YamlError(f"{source}: cannot be read ({exc.strerror})") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        raise YamlError(f"{source} line {line}: not valid YAML ({exc.problem})") from None
    except yaml.YAMLError as exc:
        raise YamlError(f"{source}: not valid YAML ({exc})") from None
    lines: dict[Path_, int] = {}
    if root is None:
        return None, lines
    return _build(root, (), lines, source), lines


def line_of(lines: dict[Path_, int], path: Path_) -> int:
    """The line of ``path``, or of its nearest ancestor that has one (0 when none)."""
    for end in range(len(path), -1, -1):
        line = lines.get(path[:end])
        if line is not None:
            return line
    return 0


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


def validation_problems(
    source: str, data: object, lines: dict[Path_, int], exc: ValidationError
) -> str:
    """One line per pydantic problem: ``<file> line <n>: <key path>: <message>``."""
    out = []
    for err in exc.errors():
        path = _data_path(data, tuple(err["loc"]))
        key = ".".join(str(p) for p in path) or "(top level)"
        message = str(err["msg"]).removeprefix("Value error, ")
        out.append(f"{source} line {line_of(lines, path)}: {key}: {message}")
    return "\n".join(out)
