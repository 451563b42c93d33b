"""The CLI's error contract: one clear line on stderr, no traceback, a non-zero exit, no secrets."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from channelsync.cli import main


def _run(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["channelsync", *args])
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as exit_info:
        main()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


def test_missing_schema_is_one_line_naming_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHANNELSYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    code, err = _run(["orders", "list", "--partner", "1"], monkeypatch, capsys)
    assert code == 1
    assert "no such table" in err and "channelsync db upgrade" in err
    assert "Traceback" not in err and "SELECT" not in err


def test_unreachable_database_never_prints_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql+psycopg://nobody:s3cret-pw@127.0.0.1:5432/channelsync_absent"
    monkeypatch.setenv("CHANNELSYNC_DATABASE_URL", url)
    code, err = _run(["partners", "list"], monkeypatch, capsys)
    assert code == 1
    assert err.startswith("error: database error:")
    assert "s3cret-pw" not in err and "Traceback" not in err


def test_command_failures_exit_non_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, err = _run(
        ["quote", "price", "--input", str(tmp_path / "absent.json")], monkeypatch, capsys
    )
    assert code == 1 and "cannot read the cart file" in err
    code, err = _run(["orders", "list"], monkeypatch, capsys)
    assert code == 2 and "--partner" in err
