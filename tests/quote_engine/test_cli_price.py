"""`quote price` command: prices a CART.json (with optional rules) and prints JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from order_core.settings import get_settings
from tests.cli_run import run_cli

ROOT = Path(__file__).resolve().parents[2]
CART = ROOT / "examples" / "cart.json"
RULES = ROOT / "examples" / "pricing_rules.yaml"


SETTING = "CHANNELSYNC_PRICING_RULES_FILE"


@pytest.fixture(autouse=True)
def installed_rules_file(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No installed rules file unless a test sets one (whatever the environment or .env says)."""
    monkeypatch.setenv(SETTING, "")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def install(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Point CHANNELSYNC_PRICING_RULES_FILE at `path`."""
    monkeypatch.setenv(SETTING, str(path))
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str, str]:
    """``channelsync quote price ARGS`` through the CLI's edge (errors are printed there)."""
    result = run_cli("quote", "price", *args)
    return result.code, result.out, result.err


def test_prices_the_example_cart_with_traces_and_totals() -> None:
    code, out, _ = run("--input", str(CART), "--rules", str(RULES))
    assert code == 0
    data = json.loads(out)
    assert data["currency"] == "USD" and data["priced_on"] == "2026-11-27"
    assert [ln["sku"] for ln in data["lines"]] == ["FW-100", "FW-SUB-1Y", "SUPPORT-PREM"]
    fw = data["lines"][0]
    # list 1200 -> fixed gold buy 800 -> distributor 800 x 0.98 x 1.03 = 807.52 -> ...
    assert [s["step"] for s in fw["trace"]][:3] == ["list_price", "buy_price", "distributor_terms"]
    assert fw["trace"][1]["after"] == "800.00" and fw["trace"][1]["rule"] == "FW-100 fixed gold"
    assert Decimal(fw["trace"][2]["after"]) == Decimal("807.52")
    support = data["lines"][2]
    assert support["trace"][0]["rate"] == "1.08"  # EUR list price converted
    totals = data["totals"]
    # Decimals are strings and the totals reconcile exactly
    assert isinstance(totals["net_total"], str)
    discounts = sum(Decimal(v) for v in totals["discounts_by_step"].values())
    assert Decimal(totals["list_total"]) - discounts == Decimal(totals["net_total"])
    assert totals["net_total"] == str(sum(Decimal(ln["line_total"]) for ln in data["lines"]))
    assert len(data["content_hash"]) == 64 and data["rules_file"] == str(RULES)


def test_rules_change_the_price_and_the_hash() -> None:
    _, with_rules, _ = run("--input", str(CART), "--rules", str(RULES))
    _, without, _ = run("--input", str(CART))
    a, b = json.loads(with_rules), json.loads(without)
    assert a["totals"]["net_total"] != b["totals"]["net_total"]
    assert a["content_hash"] != b["content_hash"]
    assert b["rules_fingerprint"] == ""


def test_invalid_cart_names_the_file_and_field_without_traceback(tmp_path: Path) -> None:
    cart = json.loads(CART.read_text())
    cart["lines"][0]["quantity"] = 0
    path = tmp_path / "cart.json"
    path.write_text(json.dumps(cart))
    code, out, err = run("--input", str(path))
    assert code == 1 and out == ""
    assert str(path) in err and "lines[0].quantity" in err
    assert "Traceback" not in err


def _cart_with_lines(tmp_path: Path, lines: list[object]) -> Path:
    cart = json.loads(CART.read_text())
    cart["lines"] = lines
    path = tmp_path / "cart.json"
    path.write_text(json.dumps(cart))
    return path


def test_errors_on_cart_lines_name_only_the_real_problems_with_their_paths(
    tmp_path: Path,
) -> None:
    # The only line is invalid: its problem alone, not also "at least 1 item".
    one = _cart_with_lines(tmp_path, [{"sku": "FW-100", "quantity": 0}])
    code, _, err = run("--input", str(one))
    assert code == 1
    assert err == (
        f"error: {one}: lines[0].quantity: Input should be greater than or equal to 1; "
        "fix the cart file (see docs/quote-json.md)\n"
    )
    several = _cart_with_lines(
        tmp_path,
        [
            {"sku": "FW-100", "quantity": 1},
            {"sku": "", "quantity": 1},
            {"sku": "FW-100", "quantity": "two"},
        ],
    )
    code, _, err = run("--input", str(several))
    assert code == 1
    assert "lines[1].sku: String should have at least 1 character" in err
    assert "lines[2].quantity: Input should be a valid integer" in err
    assert "Tuple" not in err and "lines[0]" not in err


def test_a_cart_without_lines_says_so_once(tmp_path: Path) -> None:
    code, _, err = run("--input", str(_cart_with_lines(tmp_path, [])))
    assert code == 1
    assert "lines: a cart needs at least one line; add a line with a sku and a quantity" in err
    assert err.count("a cart needs") == 1 and "Tuple" not in err


def test_broken_json_and_bad_rules_are_domain_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"catalog": ')
    code, _, err = run("--input", str(broken))
    assert code == 1 and "not valid JSON at line 1" in err
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: r\n    action: {percent_off: '500'}\n")
    code, _, err = run("--input", str(CART), "--rules", str(rules))
    assert code == 1 and str(rules) in err and "rule #1 'r'" in err


def test_pricing_errors_are_reported_with_the_fix(tmp_path: Path) -> None:
    cart = json.loads(CART.read_text())
    cart["catalog"]["exchange_rates"] = None
    path = tmp_path / "cart.json"
    path.write_text(json.dumps(cart))
    code, _, err = run("--input", str(path))
    assert code == 1
    assert "'SUPPORT-PREM' field list_prices has no USD price" in err


def test_the_installed_rules_file_applies_when_no_rules_are_given(
    installed_rules_file: pytest.MonkeyPatch,
) -> None:
    _, explicit, _ = run("--input", str(CART), "--rules", str(RULES))
    install(installed_rules_file, RULES)
    code, installed, err = run("--input", str(CART))
    assert code == 0, err
    a, b = json.loads(explicit), json.loads(installed)
    assert b["rules_file"] == str(RULES)
    assert b["rules_fingerprint"] == a["rules_fingerprint"] != ""
    assert b["totals"] == a["totals"] and b["content_hash"] == a["content_hash"]


def test_explicit_rules_win_over_the_installed_file(
    installed_rules_file: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("rules:\n  - name: all\n    action: {percent_off: '50'}\n")
    install(installed_rules_file, other)
    _, with_other, _ = run("--input", str(CART))
    code, out, _ = run("--input", str(CART), "--rules", str(RULES))
    assert code == 0
    data = json.loads(out)
    assert data["rules_file"] == str(RULES)
    assert data["totals"] != json.loads(with_other)["totals"]
    steps = {
        s["rule"] for ln in data["lines"] for s in ln["trace"] if s["step"] == "promotion_rule"
    }
    assert "all" not in steps and "q4-enterprise-hardware" in steps


def test_a_missing_installed_file_is_one_line_naming_setting_path_and_fix(
    installed_rules_file: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "absent.yaml"
    install(installed_rules_file, missing)
    code, out, err = run("--input", str(CART))
    assert code == 1 and out == ""
    assert SETTING in err and str(missing) in err and "correct the path" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_missing_rules_file_names_the_path_the_problem_and_the_fix(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    code, out, err = run("--input", str(CART), "--rules", str(missing))
    assert code == 1 and out == ""
    assert err == (
        f"error: pricing rules file {missing}: there is no such file; check the path "
        "(a relative path starts from the current directory)\n"
    )
