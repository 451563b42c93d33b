"""The approval policy: which ordered approval steps a quote or an order needs, from YAML rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from quote_engine.approvals.errors import ApprovalPolicyError
from quote_engine.approvals.fields import ATTR_PREFIX
from quote_engine.approvals.rules import ApprovalRule, ApprovalSide, Approver, parse_duration
from quote_engine.approvals.subject import ApprovalSubject
from quote_engine.rule_files import explain, read_yaml

DEFAULT_EXPIRES_AFTER = "3d"
_TOP_KEYS = frozenset({"policy", "default_expires_after", "rules"})


@dataclass(frozen=True, slots=True)
class ApprovalStep:
    """One approval the subject needs: step ``order`` (1 = first), who, why, and when it lapses."""

    order: int
    side: ApprovalSide
    role: str
    rule: str
    reason: str
    expires_after: timedelta

    def to_jsonable(self) -> dict[str, object]:
        """Plain JSON-ready data (expires_after in seconds)."""
        return {
            "order": self.order,
            "side": self.side.value,
            "role": self.role,
            "rule": self.rule,
            "reason": self.reason,
            "expires_after_seconds": int(self.expires_after.total_seconds()),
        }


class ApprovalPolicy:
    """A validated, immutable list of approval rules."""

    __slots__ = ("_attr_fields", "default_expires_after", "name", "rules", "source")

    def __init__(
        self,
        rules: Sequence[ApprovalRule],
        *,
        source: str = "<rules>",
        name: str = "",
        default_expires_after: timedelta = timedelta(days=3),
    ) -> None:
        """Build a policy from rules already validated (``load_approval_policy`` does that)."""
        names = [r.name for r in rules]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ApprovalPolicyError(source, dupes[0], "the rule name is used more than once")
        self.rules: tuple[ApprovalRule, ...] = tuple(rules)
        self.source = source
        self.name = name
        self.default_expires_after = default_expires_after
        self._attr_fields = frozenset(
            f for r in self.rules for f in r.fields if f.startswith(ATTR_PREFIX)
        )

    def required_steps(self, subject: ApprovalSubject) -> list[ApprovalStep]:
        """The ordered approval steps ``subject`` needs ([] = none).

        Steps are sorted by the rules' ``sequence`` then file order (escalation levels in
        ascending order); a side and role asked by several rules is one step naming every rule.
        """
        facts = subject.facts()
        for name in self._attr_fields:
            facts.setdefault(name, "")
        wanted: list[tuple[tuple[int, int, int], Approver, ApprovalRule, str]] = []
        for position, rule in enumerate(self.rules):
            if subject.kind not in rule.applies_to or not rule.matches(facts):
                continue
            if rule.approver is not None:
                reason = rule.description or rule.name
                wanted.append(((rule.sequence, position, 0), rule.approver, rule, reason))
                continue
            assert rule.escalate is not None
            field = rule.escalate.field
            for level_no, level in enumerate(rule.escalate.passed(facts)):
                reason = (
                    f"{rule.description or rule.name}: {field} {facts[field]} above {level.above}"
                )
                wanted.append(((rule.sequence, position, level_no), level, rule, reason))
        wanted.sort(key=lambda item: item[0])
        merged: dict[tuple[ApprovalSide, str], list[tuple[Approver, ApprovalRule, str]]] = {}
        for _key, approver, rule, reason in wanted:
            merged.setdefault((approver.side, approver.role), []).append((approver, rule, reason))
        steps: list[ApprovalStep] = []
        for number, ((side, role), asks) in enumerate(merged.items(), start=1):
            lapses = [parse_duration(a.expires_after) for a, _r, _t in asks if a.expires_after]
            steps.append(
                ApprovalStep(
                    order=number,
                    side=side,
                    role=role,
                    rule=", ".join(dict.fromkeys(r.name for _a, r, _t in asks)),
                    reason="; ".join(t for _a, _r, t in asks),
                    expires_after=min(lapses) if lapses else self.default_expires_after,
                )
            )
        return steps


def _rule_label(raw: object, index: int) -> str:
    if isinstance(raw, Mapping) and isinstance(raw.get("name"), str) and raw["name"]:
        return f"'{raw['name']}'"
    return f"#{index + 1}"


def policy_from_data(data: object, source: str) -> ApprovalPolicy:
    """Validate parsed YAML/JSON ``data`` into a policy; ApprovalPolicyError names source and rule."""
    if not isinstance(data, Mapping):
        raise ApprovalPolicyError(source, "-", "the file must be a mapping with a 'rules' list")
    unknown = sorted(set(map(str, data)) - _TOP_KEYS)
    if unknown:
        raise ApprovalPolicyError(
            source, "-", f"unknown top-level key(s) {unknown}; use {sorted(_TOP_KEYS)}"
        )
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list):
        raise ApprovalPolicyError(source, "-", "'rules' must be a list of rules")
    raw_default = data.get("default_expires_after", DEFAULT_EXPIRES_AFTER)
    try:
        default = parse_duration(str(raw_default))
    except ValueError as exc:
        raise ApprovalPolicyError(source, "-", f"default_expires_after: {exc}") from None
    rules: list[ApprovalRule] = []
    for index, raw in enumerate(raw_rules):
        try:
            rules.append(ApprovalRule.model_validate(raw))
        except ValidationError as exc:
            raise ApprovalPolicyError(source, _rule_label(raw, index), explain(exc)) from None
    return ApprovalPolicy(
        rules, source=source, name=str(data.get("policy", "")), default_expires_after=default
    )


def load_approval_policy(path: str | Path) -> ApprovalPolicy:
    """Load and validate a YAML approval policy; a bad file raises ApprovalPolicyError naming it."""
    source = str(path)
    data = read_yaml(path, lambda reason: ApprovalPolicyError(source, "-", reason))
    return policy_from_data(data, source)


def default_approval_policy() -> ApprovalPolicy:
    """The built-in policy (``default_approval_rules.yaml`` shipped with quote_engine)."""
    ref = resources.files("quote_engine.approvals") / "default_approval_rules.yaml"
    return policy_from_data(yaml.safe_load(ref.read_text(encoding="utf-8")), str(ref))
