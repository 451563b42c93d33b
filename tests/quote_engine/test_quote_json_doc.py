"""docs/quote-json.md shows what `quote price` prints for the example cart and rules, exactly."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from channelsync.cli.quote_price import register
from order_core.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "quote-json.md"


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, object]]:
    """`quote price` on the example cart and rules, run from the repository root as documented."""
    monkeypatch.setenv("CHANNELSYNC_PRICING_RULES_FILE", "")
    get_settings.cache_clear()
    monkeypatch.chdir(ROOT)
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # keep "price" a sub-command, as under `channelsync quote`
    args = ["price", "--input", "examples/cart.json", "--rules", "examples/pricing_rules.yaml"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    yield json.loads(result.stdout)
    get_settings.cache_clear()


def documented() -> dict[str, object]:
    """The JSON example of the document's "Output" section."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Output") :]
    found = re.search(r"```json\n(.*?)\n```", section, re.DOTALL)
    assert found, "docs/quote-json.md: no JSON example under ## Output"
    data: dict[str, object] = json.loads(found[1])
    return data


def test_the_documented_output_is_what_the_command_prints(printed: dict[str, object]) -> None:
    doc = documented()
    assert list(doc) == list(printed)
    for key in ("currency", "priced_on", "needs_floor_approval", "rules_file", "totals", "resale"):
        assert doc[key] == printed[key], key
    for key in ("rules_fingerprint", "content_hash"):
        assert re.fullmatch(r"[0-9a-f]{64}", str(printed[key]))
    doc_lines, printed_lines = doc["lines"], printed["lines"]
    assert isinstance(doc_lines, list) and isinstance(printed_lines, list)
    doc_line, line = dict(doc_lines[0]), dict(printed_lines[0])
    doc_trace, trace = doc_line.pop("trace"), line.pop("trace")
    assert doc_line == line
    # The documented trace is shortened by one "..." entry: what stands on either side is exact.
    cut = next(i for i, step in enumerate(doc_trace) if isinstance(step, str))
    tail = len(doc_trace) - cut - 1
    assert doc_trace[:cut] == trace[:cut]
    assert doc_trace[cut + 1 :] == trace[len(trace) - tail :]
