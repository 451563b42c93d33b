"""A HubSpot association read as a field: the one associated id with the label, None when there is
none, or a reason listing the ids when several carry the label."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mappings import Mapping, RawRecord, Rejected
from mappings.spec import MappingFile

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("linked", "expected"),
    [
        ([], None),
        ([("7", frozenset({"Primary"}))], None),
        ([("7", frozenset({"Partner"}))], "7"),
        ([("7", frozenset({"Partner"})), ("7", frozenset({"Partner", "Primary"}))], "7"),
        ([("8", frozenset()), ("7", frozenset({"Partner"}))], "7"),
        (
            [("9", frozenset({"Partner"})), ("10", frozenset({"Partner"})), ("9", frozenset())],
            ("reason", "2 associated companies carry the label 'Partner': ['10', '9']"),
        ),
    ],
)
def test_an_association_gives_its_one_id_none_or_the_ids_it_cannot_choose_from(
    linked: list[tuple[str, frozenset[str]]], expected: object
) -> None:
    spec = MappingFile.model_validate(
        {
            "version": 1,
            "crm": "hubspot",
            "objects": {
                "deals": {
                    "routes": [
                        {
                            "target": "deal",
                            "fields": {
                                "partner": {
                                    "association": {"object": "companies", "label": "Partner"}
                                }
                            },
                        }
                    ]
                }
            },
        }
    )
    record = RawRecord("1", NOW, {}, associations={"companies": linked})
    [result] = Mapping(spec, "t.yaml").apply("deals", [record])
    got = ("reason", result.reason) if isinstance(result, Rejected) else result.refs["partner"]
    assert got == expected
