"""Mapping files: the shipped ones load; a bad one is refused naming the file, the line and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from mappings import MappingError, load_mapping, shipped

GOOD = """\
version: 1
crm: salesforce
objects:
  Account:
    routes:
      - target: partner
        fields:
          name: Name
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_shipped_mappings_load(crm: str) -> None:
    mapping = load_mapping(shipped(crm))
    assert mapping.crm == crm
    targets = [t for obj in mapping.objects for t in mapping.targets_of(obj)]
    assert targets == ["partner", "end_customer", "buyer", "deal", "deal_line"]


def test_minimal_file_loads(tmp_path: Path) -> None:
    mapping = load_mapping(_write(tmp_path, GOOD))
    assert mapping.objects == ["Account"]
    assert mapping.crm_fields("Account") == ["Name"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "name: Name",
            "name: Name\n          nmae: Name",
            "line 9: objects.Account.routes.0.fields.nmae: partner has no field 'nmae'; use any of",
        ),
        (
            "target: partner",
            "target: partners",
            "line 6: objects.Account.routes.0.target: Input should be 'partner', 'end_customer'",
        ),
        (
            "name: Name",
            "name: {from: Name, mapp: {a: b}}",
            "line 8: objects.Account.routes.0.fields.name.mapp: Extra inputs are not permitted",
        ),
        (
            "name: Name",
            "name: Name\n          kind: {from: T, map: {R: seller}}",
            "line 9: objects.Account.routes.0.fields.kind.map.R: 'seller' is not a partner kind; "
            "use one of ['reseller', 'distributor']",
        ),
        ("version: 1", "version: 0", "line 1: version: Input should be greater than or equal to 1"),
        (
            "name: Name",
            "tier: Partner_Tier__c",
            "line 8: objects.Account.routes.0.fields: a new partner needs ['name']; map them",
        ),
        (
            "name: Name",
            "name: {from: Name, const: x}",
            "line 8: objects.Account.routes.0.fields.name: "
            "give exactly one of from, association or const",
        ),
    ],
)
def test_bad_files_name_line_and_key(tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(MappingError) as info:
        load_mapping(path)
    assert f"{path} {expected}" in str(info.value)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = GOOD.replace("name: Name", "name: Name\n          nmae: Name\n          tierr: X")
    with pytest.raises(MappingError) as info:
        load_mapping(_write(tmp_path, text))
    keys = [line.split(": ")[1] for line in str(info.value).splitlines()]
    assert keys == ["objects.Account.routes.0.fields.nmae", "objects.Account.routes.0.fields.tierr"]


def test_one_object_per_target(tmp_path: Path) -> None:
    text = GOOD + "  Lead:\n    routes:\n      - target: partner\n        fields: {name: Company}\n"
    with pytest.raises(
        MappingError, match=r"line 11: objects\.Lead\.routes\.0\.target: partner is fed"
    ):
        load_mapping(_write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: [1\n", "line 2: not valid YAML"),
        ("version: 1\nversion: 2\n", "line 2: the key 'version' appears twice"),
        ("", "(top level): Input should be a valid dictionary"),
    ],
)
def test_unreadable_files(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(MappingError, match=None) as info:
        load_mapping(_write(tmp_path, text))
    assert expected in str(info.value)


def test_missing_and_undecodable_files(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="no such file; check the path"):
        load_mapping(tmp_path / "nope.yaml")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("version: 1\ncrm: caf\xe9\n".encode("latin-1"))
    with pytest.raises(MappingError, match="not UTF-8 text; save it as UTF-8"):
        load_mapping(bad)
