"""Pricing-rule files: valid files load; bad ones are refused naming file, rule and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from quote_engine.errors import RuleFileError
from quote_engine.pricing import load_rules
from tests.quote_engine.conftest import D, make_request, price

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pricing_rules.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_rule_file_loads_and_prices() -> None:
    ruleset = load_rules(EXAMPLE)
    assert [r.name for r in ruleset.rules] == [
        "q4-enterprise-hardware",
        "big-subscription-deal",
        "proposal-stage-services",
        "no-promo-for-embargoed",
    ]
    assert len(ruleset.fingerprint) == 64
    products = [{"sku": "A", "category": "hardware", "list_prices": {"USD": "100.00"}}]
    request = make_request(
        [{"sku": "A", "quantity": 1}], products, partner={"customer_segment": "enterprise"}
    )
    result = price(request, ruleset)
    assert result.lines[0].unit_net == D("97.00")
    assert result.rules_fingerprint == ruleset.fingerprint


def test_empty_file_is_an_empty_rule_set(tmp_path: Path) -> None:
    assert len(load_rules(write(tmp_path, "rules: []\n"))) == 0
    assert len(load_rules(write(tmp_path, ""))) == 0


GOOD_ACTION = "    action: {percent_off: '5'}\n"


@pytest.mark.parametrize(
    ("rule_body", "reason"),
    [
        (
            "    when: {field: partner.colour, op: eq, value: red}\n" + GOOD_ACTION,
            "unknown field 'partner.colour'",
        ),
        (
            "    when: {field: partner.tier, op: like, value: g}\n" + GOOD_ACTION,
            "unknown operator 'like'",
        ),
        (
            "    when: {field: partner.tier, op: '<', value: gold}\n" + GOOD_ACTION,
            "cannot compare text field",
        ),
        (
            "    when: {field: line.quantity, op: '>=', value: ten}\n" + GOOD_ACTION,
            "'ten' is not an integer",
        ),
        (
            "    when: {field: line.amount, op: '>=', value: [1]}\n" + GOOD_ACTION,
            "is not a decimal",
        ),
        (
            "    when: {field: quote.date, op: '<', value: '2026-13-01'}\n" + GOOD_ACTION,
            "not an ISO date",
        ),
        (
            "    when: {field: product.sku, op: in, value: A}\n" + GOOD_ACTION,
            "'in' needs a non-empty list",
        ),
        (
            "    when: {field: line.quantity, op: between, value: [9, 1]}\n" + GOOD_ACTION,
            "low is greater",
        ),
        ("    when: {all: []}\n" + GOOD_ACTION, "'all' needs a non-empty list"),
        ("    when: {any: [{field: product.sku}]}\n" + GOOD_ACTION, "when.any[0]: expected keys"),
        ("    action: {percent_off: '5', amount_off: {USD: '1'}}\n", "exactly one of"),
        ("    action: {percent_off: '150'}\n", "less than or equal to 100"),
        ("    action: {set_price: {USD: '9'}}\n", "set_price cannot stack"),
        ("    action: {amount_off: {XXX: '1'}}\n", "ISO 4217"),
        (
            "    valid_from: 2026-12-01\n    valid_to: 2026-11-01\n" + GOOD_ACTION,
            "valid_to is before",
        ),
        ("    prority: 3\n" + GOOD_ACTION, "prority: Extra inputs are not permitted"),
        ("    stacking: sometimes\n" + GOOD_ACTION, "stacking"),
    ],
)
def test_bad_rule_is_refused_naming_file_rule_and_reason(
    tmp_path: Path, rule_body: str, reason: str
) -> None:
    text = "rules:\n  - name: fine\n" + GOOD_ACTION + "  - name: broken\n" + rule_body
    path = write(tmp_path, text)
    with pytest.raises(RuleFileError) as err:
        load_rules(path)
    assert err.value.source == str(path)
    assert err.value.rule == "#2 'broken'"
    assert reason in err.value.reason
    assert str(path) in err.value.message and "broken" in err.value.message


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    text = "rules:\n  - name: a\n" + GOOD_ACTION + "  - name: a\n" + GOOD_ACTION
    with pytest.raises(RuleFileError, match=r"rule #2 'a': duplicate rule name"):
        load_rules(write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("rules: [\n", "not valid YAML at line"),
        ("rules: 5\n", "expected a mapping with a 'rules' list"),
        ("rules:\n  - name: x\n    valid_to: 2026-13-01\n", "not valid YAML: month must be"),
        ("rules:\n  - just a string\n", "a rule must be a mapping"),
    ],
)
def test_unreadable_files_are_refused(tmp_path: Path, text: str, reason: str) -> None:
    with pytest.raises(RuleFileError, match=reason):
        load_rules(write(tmp_path, text))


def test_missing_file_is_refused_naming_the_path_the_problem_and_the_fix(tmp_path: Path) -> None:
    missing = tmp_path / "absent.yaml"
    with pytest.raises(RuleFileError) as err:
        load_rules(missing)
    assert err.value.message == (
        f"pricing rules file {missing}: there is no such file; check the path "
        "(a relative path starts from the current directory)"
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "this is a directory, not a file; give the path of the YAML file"),
        (b"rules: [\xff]\n", "not UTF-8 text (byte 0xff at line 1); save it as UTF-8"),
        (b"rules: [\n", "not valid YAML at line 2; correct the YAML syntax"),
    ],
)
def test_unusable_files_say_what_to_do(tmp_path: Path, content: bytes | None, reason: str) -> None:
    path = tmp_path / "rules.yaml"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    with pytest.raises(RuleFileError) as err:
        load_rules(path)
    assert err.value.message == f"pricing rules file {path}: {reason}"


def test_values_are_data_never_code(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = f"__import__('pathlib').Path('{marker}').touch()"
    text = (
        "rules:\n  - name: sneaky\n"
        f'    when: {{field: partner.id, op: eq, value: "{payload}"}}\n' + GOOD_ACTION
    )
    ruleset = load_rules(write(tmp_path, text))
    result = price(make_request([{"sku": "A", "quantity": 1}]), ruleset)
    assert result.lines[0].unit_net == D("100.00")
    assert not marker.exists()
