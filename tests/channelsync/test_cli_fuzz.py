"""Fuzzing the CLI's edge: random, truncated and mis-encoded input files, and bad settings.

Every file-reading command gets files built from a valid example: random bytes, the example cut
short, a slice of it replaced by random text, or the example with bytes that are not UTF-8. Every
typed setting gets values the settings refuse. Whatever happens, the command either succeeds
cleanly or prints exactly one ``error:`` line, exits non-zero, shows no traceback and leaves every
table as it was. Inputs that cannot be valid (not UTF-8, bad settings) must fail that way.

Runs in-process through ``main``, on SQLite and PostgreSQL, with bounded examples so that it
stays part of ``make test``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from channelsync.demo import SAMPLE_CATALOG
from order_core.settings import CoreSettings
from tests.cli_run import CART, RULES, CliDb, CliRun, run_cli

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CUSTOMERS = (
    b"name,email,country,city,postal_code\n"
    b"Wayne Enterprises,it@wayne.example,US,Gotham,10001\n"
    b'"Stark, Industries",ops@stark.example,US,"New York",10002\n'
)
#: command line (``{file}`` is the fuzzed file) and the valid example it is built from
COMMANDS: dict[str, tuple[list[str], bytes]] = {
    "customers import": (["customers", "import", "{file}", "--partner", "2"], CUSTOMERS),
    "catalog load": (["catalog", "load", "{file}"], SAMPLE_CATALOG.read_bytes()),
    "quote price --input": (["quote", "price", "--input", "{file}"], CART.read_bytes()),
    "quote price --rules": (
        ["quote", "price", "--input", str(CART), "--rules", "{file}"],
        RULES.read_bytes(),
    ),
}
#: byte sequences that are never valid UTF-8 wherever they appear
NOT_UTF8 = [b"\xff", b"\xfe", b"\x80", b"\xc3(", b"\xe2\x28\xa1", b"\xed\xa0\x80", b"\xf8\x88"]


@st.composite
def mangled(draw: st.DrawFn, example: bytes) -> bytes:
    """The example cut short, spliced with random text, or replaced by random bytes."""
    kind = draw(st.sampled_from(["truncated", "spliced", "random bytes", "random text"]))
    if kind == "truncated":
        return example[: draw(st.integers(0, len(example)))]
    if kind == "spliced":
        start = draw(st.integers(0, len(example)))
        end = draw(st.integers(start, min(len(example), start + 80)))
        return example[:start] + draw(st.text(max_size=40)).encode() + example[end:]
    if kind == "random bytes":
        return draw(st.binary(max_size=400))
    return draw(st.text(max_size=400)).encode()


@st.composite
def mis_encoded(draw: st.DrawFn, example: bytes) -> bytes:
    """The example with bytes that are not UTF-8 put in at a random place (or all of it re-encoded)."""
    if draw(st.booleans()):
        # These letters never make a UTF-8 sequence in these encodings (no continuation bytes).
        text = example.decode() + draw(st.text(alphabet="éüßçñ", min_size=1, max_size=5))
        return text.encode(draw(st.sampled_from(["latin-1", "cp1252", "utf-16-le"])), "replace")
    at = draw(st.integers(0, len(example)))
    return example[:at] + draw(st.sampled_from(NOT_UTF8)) + example[at:]


def _run(command: str, content: bytes, tmp_path: Path) -> CliRun:
    args, _ = COMMANDS[command]
    path = tmp_path / "fuzzed.input"
    path.write_bytes(content)
    return run_cli(*(str(path) if a == "{file}" else a for a in args))


def _assert_one_line_failure(result: CliRun) -> None:
    assert result.code != 0, result
    assert "Traceback" not in result.err
    assert len(result.err_lines) == 1 and result.err_lines[0].startswith("error: "), result.err


def _assert_clean(result: CliRun, before: object, after: object) -> None:
    """A clean success, or one line, non-zero and nothing written."""
    if result.code == 0:
        assert result.err_lines == [], result.err
        return
    _assert_one_line_failure(result)
    assert after == before


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_mangled_input_files_fail_cleanly(any_db: CliDb, tmp_path: Path, command: str) -> None:
    @FUZZ
    @given(content=mangled(COMMANDS[command][1]))
    def check(content: bytes) -> None:
        before = any_db.snapshot()
        result = _run(command, content, tmp_path)
        _assert_clean(result, before, any_db.snapshot())

    check()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_input_files_that_are_not_utf8_always_fail_with_one_line(
    db: CliDb, tmp_path: Path, command: str
) -> None:
    @settings(FUZZ, max_examples=25)
    @given(content=mis_encoded(COMMANDS[command][1]))
    def check(content: bytes) -> None:
        before = db.snapshot()
        result = _run(command, content, tmp_path)
        _assert_one_line_failure(result)
        assert "not UTF-8" in result.err_lines[0]
        assert db.snapshot() == before

    check()


#: every setting with a type or a check, and values that tend to break it
_ENV_TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30
)
_NUMBERISH = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", " ", "abc", "1.5", "1e3", "0x10", "--1", "1_0", "٣", "true"]),
)
BAD_SETTINGS: dict[str, st.SearchStrategy[str]] = {
    "CHANNELSYNC_DB_POOL_SIZE": _NUMBERISH,
    "CHANNELSYNC_DB_MAX_OVERFLOW": _NUMBERISH,
    "CHANNELSYNC_DB_POOL_TIMEOUT": _NUMBERISH,
    "CHANNELSYNC_SMTP_PORT": _NUMBERISH,
    "CHANNELSYNC_INVOICE_PAYMENT_TERMS_DAYS": _NUMBERISH,
    "CHANNELSYNC_SQL_ECHO": st.one_of(_ENV_TEXT, st.sampled_from(["maybe", "2", "yes!"])),
    "CHANNELSYNC_DB_PRE_PING": st.one_of(_ENV_TEXT, st.sampled_from(["nope", "-1"])),
    "CHANNELSYNC_SMTP_STARTTLS": st.one_of(_ENV_TEXT, st.just("sometimes")),
    "CHANNELSYNC_TAX_RATES": st.one_of(
        _ENV_TEXT,
        st.sampled_from(["notjson", "[]", "null", '{"US": "x"}', '{"US": "NaN"}', '{"US": []}']),
    ),
    "CHANNELSYNC_DATABASE_URL": st.one_of(
        _ENV_TEXT,
        st.sampled_from(
            ["", "mysql://u:p@h/db", "postgres://h/db", "oracle://h", "sqlite+foo:///x"]
        ),
    ),
}
SETTINGS_COMMANDS: list[list[str]] = [
    ["customers", "import", "{file}", "--partner", "2"],
    ["catalog", "load", str(SAMPLE_CATALOG)],
    ["orders", "list", "--partner", "2"],
    ["db", "upgrade"],
]


def _refused(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> bool:
    """Whether the settings refuse ``env`` (pydantic decides what is valid; we check the CLI)."""
    with monkeypatch.context() as m:
        for name, value in env.items():
            m.setenv(name, value)
        try:
            CoreSettings()
        except ValueError:
            return True
    return False


@pytest.mark.parametrize("name", sorted(BAD_SETTINGS))
def test_bad_settings_fail_with_one_line_naming_the_variable(
    db: CliDb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    csv_file = tmp_path / "customers.csv"
    csv_file.write_bytes(CUSTOMERS)
    also_ssl = {"CHANNELSYNC_SMTP_SSL": "true"} if name == "CHANNELSYNC_SMTP_STARTTLS" else {}

    @settings(FUZZ, max_examples=20)
    @given(value=BAD_SETTINGS[name], command=st.sampled_from(SETTINGS_COMMANDS))
    def check(value: str, command: list[str]) -> None:
        env = {name: value, **also_ssl}
        assume(_refused(env, monkeypatch))
        before = db.snapshot()
        with monkeypatch.context() as m:
            for key, text in env.items():
                m.setenv(key, text)
            result = run_cli(*(str(csv_file) if a == "{file}" else a for a in command))
        _assert_one_line_failure(result)
        assert "invalid setting" in result.err_lines[0] and name in result.err_lines[0]
        assert db.snapshot() == before

    check()


def test_random_env_files_fail_cleanly(db: CliDb, tmp_path: Path) -> None:
    csv_file = tmp_path / "customers.csv"
    csv_file.write_bytes(CUSTOMERS)
    lines = st.lists(
        st.one_of(
            st.tuples(st.sampled_from(sorted(BAD_SETTINGS)), _ENV_TEXT).map(
                lambda kv: f"{kv[0]}={kv[1]}"
            ),
            _ENV_TEXT,
        ),
        max_size=5,
    ).map(lambda ls: "\n".join(ls).encode())
    content: Callable[[bytes], st.SearchStrategy[bytes]] = mis_encoded

    @settings(FUZZ, max_examples=30)
    @given(data=st.one_of(lines, lines.flatmap(content), st.binary(max_size=200)))
    def check(data: bytes) -> None:
        (tmp_path / ".env").write_bytes(data)
        before = db.snapshot()
        result = run_cli("customers", "import", str(csv_file), "--partner", "2")
        _assert_clean(result, before, db.snapshot())

    try:
        check()
    finally:
        (tmp_path / ".env").unlink(missing_ok=True)
