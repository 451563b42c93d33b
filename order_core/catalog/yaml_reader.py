"""Reading YAML with line numbers: every value keeps its node, so each problem names its line and field.

Scalars are read from their source text (``yaml.compose``), never through YAML's float, so a price
written ``1199.90`` becomes ``Decimal("1199.90")`` exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from order_core.errors import Problem, ValidationFailed
from order_core.money import amount_problem
from order_core.types import control_character

_NULL_TAG = "tag:yaml.org,2002:null"
_TRUE = {"true", "yes", "on"}
_FALSE = {"false", "no", "off"}


def compose(text: str, source: str) -> Node | None:
    """The YAML node tree of ``text``; a syntax error becomes ValidationFailed naming the line."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        reason = exc.problem or str(exc)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (control codes)
        line = text.count("\n", 0, exc.position) + 1
        reason = f"character U+{exc.character:04X} is not allowed in YAML; remove it"
    raise ValidationFailed(
        f"{source} is not valid YAML", [Problem(f"{source} line {line}", "-", reason)]
    ) from None


class Reader:
    """Typed access to YAML nodes that records a Problem (with the line) instead of raising."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def where(self, node: Node) -> str:
        """``<source> line <n>`` of a node."""
        return f"{self.source} line {node.start_mark.line + 1}"

    def bad(self, node: Node, field: str, reason: str) -> None:
        """Record a problem at ``node``."""
        self.problems.append(Problem(self.where(node), field, reason))

    def mapping(
        self, node: Node, field: str, allowed: Iterable[str], required: Iterable[str] = ()
    ) -> dict[str, Node] | None:
        """A mapping's keys -> value nodes; unknown, duplicate and missing keys are problems."""
        if not isinstance(node, MappingNode):
            self.bad(node, field, "must be a mapping (key: value lines)")
            return None
        allowed_set = set(allowed)
        result: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key not in allowed_set:
                self.bad(
                    key_node, f"{field}.{key}", f"unknown key; use any of {sorted(allowed_set)}"
                )
            elif key in result:
                self.bad(key_node, f"{field}.{key}", "appears twice")
            else:
                result[key] = value_node
        for key in required:
            if key not in result or self.is_null(result[key]):
                self.bad(node, f"{field}.{key}", "is required")
        return result

    def sequence(self, node: Node | None, field: str) -> list[Node]:
        """A list's item nodes (an absent or null list is empty)."""
        if node is None or self.is_null(node):
            return []
        if not isinstance(node, SequenceNode):
            self.bad(node, field, "must be a list (lines starting with '-')")
            return []
        return list(node.value)

    @staticmethod
    def is_null(node: Node) -> bool:
        """True for ``null``, ``~`` or an empty value."""
        return isinstance(node, ScalarNode) and (node.tag == _NULL_TAG or node.value == "")

    def text(self, node: Node | None, field: str, default: str | None = None) -> str | None:
        """A scalar's text, or ``default`` when absent / null."""
        if node is None or self.is_null(node):
            return default
        if not isinstance(node, ScalarNode):
            self.bad(node, field, "must be a single value")
            return default
        value = str(node.value).strip()
        if (char := control_character(value)) is not None:
            self.bad(node, field, f"contains the control character {char}; remove it")
            return default
        return value

    def texts(self, node: Node | None, field: str) -> list[str]:
        """A list of scalars as text."""
        values = [self.text(item, field) for item in self.sequence(node, field)]
        return [v for v in values if v is not None]

    def decimal(self, node: Node | None, field: str) -> Decimal | None:
        """A scalar as an exact Decimal."""
        raw = self.text(node, field)
        if raw is None:
            return None
        try:
            value = Decimal(raw.replace("_", ""))
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            assert node is not None
            self.bad(node, field, f"{raw!r} is not a number")
            return None
        return value

    def money(self, node: Node, field: str, amount: Decimal, currency: str | None) -> bool:
        """Whether ``amount`` is a valid amount in ``currency`` (else a Problem at the node's line).

        The currency's own validity is checked where it is used (its code may be in any case).
        """
        code = currency.strip().upper() if currency is not None else None
        problem = amount_problem(self.where(node), field, amount, code)
        if problem is not None:
            self.problems.append(problem)
        return problem is None

    def integer(self, node: Node | None, field: str) -> int | None:
        """A scalar as an int."""
        raw = self.text(node, field)
        if raw is None:
            return None
        if not re.fullmatch(r"-?[0-9]+", raw):
            assert node is not None
            self.bad(node, field, f"{raw!r} is not a whole number")
            return None
        return int(raw)

    def boolean(self, node: Node | None, field: str, default: bool) -> bool:
        """A scalar as a bool (true/false, yes/no, on/off)."""
        raw = self.text(node, field)
        if raw is None:
            return default
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        assert node is not None
        self.bad(node, field, f"{raw!r} is not true or false")
        return default

    def day(self, node: Node | None, field: str) -> date | None:
        """A scalar as an ISO date (YYYY-MM-DD)."""
        raw = self.text(node, field)
        if raw is None:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            assert node is not None
            self.bad(node, field, f"{raw!r} is not a date like 2026-01-31")
            return None
