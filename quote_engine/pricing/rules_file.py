"""Loading pricing rules from YAML: every rule is validated and a bad file is refused whole.

File format (see docs/quote-json.md):
    rules:
      - name: gold-q4-promo
        priority: 10
        stacking: additive          # or exclusive
        when: {field: partner.tier, op: eq, value: gold}
        action: {percent_off: "5"}
        valid_from: 2026-10-01
        valid_to: 2026-12-31
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from quote_engine.errors import WHOLE_FILE, RuleFileError
from quote_engine.pricing.rules import PricingRule
from quote_engine.pricing.ruleset import RuleSet
from quote_engine.rule_files import explain, read_yaml


def rules_from_data(data: object, source: str = "<rules>") -> RuleSet:
    """Validate already-parsed rule data ({rules: [...]} or a bare list) into a RuleSet."""
    if isinstance(data, dict) and set(data) <= {"rules"}:
        data = data.get("rules", [])
    if data is None:
        data = []
    if not isinstance(data, list):
        raise RuleFileError(
            source,
            WHOLE_FILE,
            "expected a mapping with a 'rules' list; see examples/pricing_rules.yaml",
        )
    rules: list[PricingRule] = []
    seen: set[str] = set()
    for index, raw in enumerate(data):
        label = f"#{index + 1}"
        if isinstance(raw, dict) and isinstance(raw.get("name"), str):
            label = f"#{index + 1} {raw['name']!r}"
        if not isinstance(raw, dict):
            raise RuleFileError(source, label, "a rule must be a mapping")
        try:
            rule = PricingRule.model_validate(raw)
        except ValidationError as exc:
            raise RuleFileError(source, label, explain(exc, "rule")) from None
        if rule.name in seen:
            raise RuleFileError(source, label, "duplicate rule name; names must be unique")
        seen.add(rule.name)
        rules.append(rule)
    return RuleSet(rules, source=source)


def load_rules(path: str | Path) -> RuleSet:
    """Read and validate a YAML rule file; raise RuleFileError naming file, rule and reason."""
    source = str(path)
    data = read_yaml(path, lambda reason: RuleFileError(source, WHOLE_FILE, reason))
    return rules_from_data(data, source)
