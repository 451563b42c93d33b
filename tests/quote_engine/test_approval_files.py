"""Approval policy files: a bad file is refused naming the file, the rule and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from quote_engine.approvals import ApprovalPolicyError, load_approval_policy
from quote_engine.errors import PricingError

GOOD_RULE = "  - name: ok\n    approver: {side: vendor, role: pricing_desk}\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("rule", "label", "reason"),
    [
        (
            "  - name: typo\n    when: {field: totl, op: gt, value: 1}\n"
            "    approver: {side: vendor, role: vp_sales}\n",
            "'typo'",
            "unknown field 'totl'",
        ),
        (
            "  - name: textop\n    when: {field: tier, op: gt, value: Gold}\n"
            "    approver: {side: vendor, role: vp_sales}\n",
            "'textop'",
            "operator 'gt' is not allowed on text field 'tier'",
        ),
        (
            "  - name: notnum\n    when: {field: total, op: gt, value: lots}\n"
            "    approver: {side: vendor, role: vp_sales}\n",
            "'notnum'",
            "'lots' is not a decimal number",
        ),
        (
            "  - name: role\n    approver: {side: vendor, role: approver}\n",
            "'role'",
            "role 'approver' is not a vendor role",
        ),
        (
            "  - name: both\n    approver: {side: vendor, role: vp_sales}\n"
            "    escalate: {field: total, levels: [{above: 1, side: vendor, role: vp_sales}]}\n",
            "'both'",
            "set exactly one of 'approver' or 'escalate'",
        ),
        (
            "  - name: order\n    escalate: {field: total, levels: [{above: 5, side: vendor, role: vp_sales},"
            " {above: 2, side: vendor, role: finance}]}\n",
            "'order'",
            "strictly ascending",
        ),
        (
            "  - name: textesc\n    escalate: {field: tier, levels: [{above: 5, side: vendor, role: vp_sales}]}\n",
            "'textesc'",
            "must be a numeric approval field",
        ),
        (
            "  - name: lapse\n    approver: {side: partner, role: approver, expires_after: soon}\n",
            "'lapse'",
            "duration 'soon'",
        ),
        (
            "  - name: extra\n    approver: {side: vendor, role: vp_sales}\n    colour: red\n",
            "'extra'",
            "colour",
        ),
        ("  - approver: {side: vendor, role: vp_sales}\n", "#2", "name"),
        (
            "  - name: boolval\n    when: {field: over_buyer_limit, op: eq, value: 'yes'}\n"
            "    approver: {side: partner, role: approver}\n",
            "'boolval'",
            "is not true or false",
        ),
    ],
)
def test_bad_rule_is_refused_with_file_rule_and_reason(
    tmp_path: Path, rule: str, label: str, reason: str
) -> None:
    path = write(tmp_path, "rules:\n" + GOOD_RULE + rule)
    with pytest.raises(ApprovalPolicyError) as caught:
        load_approval_policy(path)
    message = caught.value.message
    assert message.startswith(f"approval policy {path}: rule {label}: ")
    assert reason in message
    assert caught.value.rule == label
    assert isinstance(caught.value, PricingError)


def test_duplicate_rule_names_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "rules:\n" + GOOD_RULE + GOOD_RULE)
    with pytest.raises(ApprovalPolicyError, match="rule ok: the rule name is used more than once"):
        load_approval_policy(path)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("rules: [\n", "not valid YAML at line"),
        ("- a\n- b\n", "must be a mapping"),
        ("rules: {}\n", "'rules' must be a list"),
        ("rule: []\n", "unknown top-level key(s) ['rule']"),
        ("default_expires_after: 0d\nrules: []\n", "default_expires_after"),
    ],
)
def test_bad_file_shape_is_refused(tmp_path: Path, text: str, reason: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ApprovalPolicyError) as caught:
        load_approval_policy(path)
    assert str(path) in caught.value.message
    assert reason in caught.value.message


def test_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ApprovalPolicyError) as err:
        load_approval_policy(missing)
    assert err.value.message.startswith(f"approval policy file {missing}: there is no such file")
    assert "check the path" in err.value.message and "rule -" not in err.value.message


def test_nothing_is_evaluated(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "rules:\n  - name: inject\n    when: {field: \"__import__('os')\", op: eq, value: 1}\n"
        "    approver: {side: vendor, role: vp_sales}\n",
    )
    with pytest.raises(ApprovalPolicyError, match="unknown field"):
        load_approval_policy(path)
