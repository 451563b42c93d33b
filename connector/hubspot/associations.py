"""Associations of a batch of records through the v4 batch read, with their labels.

One ``POST /crm/v4/associations/{from}/{to}/batch/read`` covers up to 1,000 records. Each result
lists the associated ids with their association types; a record with more associations than one
result holds carries ``paging.next.after``, asked for again with ``{id, after}``. A record without
any comes back as an error entry (``NO_ASSOCIATIONS_FOUND``), which simply means none.

Labels: a type's ``label`` (HubSpot's ``Primary``, user labels such as ``Partner``); the primary
types (contact→company 1, deal→company 5, ticket→company 26) count as ``Primary`` even when an
answer leaves their label out; unlabeled types add no label.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connector.errors import RetriableError
from connector.hubspot.client import HubSpotClient, results_of

BATCH_MAX = 1000
PRIMARY_TYPE_IDS = {1, 5, 26}
_NONE_FOUND = "NO_ASSOCIATIONS_FOUND"

Json = dict[str, Any]
Linked = list[tuple[str, frozenset[str]]]


def read_associations(
    client: HubSpotClient, from_obj: str, to_obj: str, ids: Sequence[str]
) -> dict[str, Linked]:
    """Each record's associated ``to_obj`` ids with their labels (records with none are absent)."""
    found: dict[str, dict[str, set[str]]] = {}
    for start in range(0, len(ids), BATCH_MAX):
        pending: list[Json] = [{"id": i} for i in ids[start : start + BATCH_MAX]]
        while pending:
            data = client.associations(from_obj, to_obj, {"inputs": pending})
            pending = []
            what = f"read {from_obj} to {to_obj} associations"
            for result in results_of(client.connection, what, data):
                from_id = str((result.get("from") or {}).get("id"))
                linked = found.setdefault(from_id, {})
                for target in result.get("to") or []:
                    labels = linked.setdefault(str(target.get("toObjectId")), set())
                    labels.update(_labels(target.get("associationTypes") or []))
                after = ((result.get("paging") or {}).get("next") or {}).get("after")
                if after:
                    pending.append({"id": from_id, "after": str(after)})
            _check_errors(client.connection, what, data)
    return {
        from_id: sorted(
            ((to_id, frozenset(labels)) for to_id, labels in linked.items()),
            key=lambda pair: (len(pair[0]), pair[0]),
        )
        for from_id, linked in found.items()
    }


def _labels(types: list[Json]) -> set[str]:
    labels: set[str] = set()
    for spec in types:
        label = spec.get("label")
        if label:
            labels.add(str(label))
        elif spec.get("typeId") in PRIMARY_TYPE_IDS and spec.get("category") == "HUBSPOT_DEFINED":
            labels.add("Primary")
    return labels


def _check_errors(connection: str, what: str, data: Json) -> None:
    """Error entries other than "none" or "record gone" mean the answer is incomplete: try again."""
    for entry in data.get("errors") or []:
        if not isinstance(entry, dict):
            continue
        if str(entry.get("subCategory") or "").endswith(_NONE_FOUND):
            continue
        if entry.get("category") == "OBJECT_NOT_FOUND":  # gone since: its deletion shows elsewhere
            continue
        raise RetriableError(
            connection,
            f"{what}: HubSpot could not read some of them "
            f"({entry.get('category')}: {entry.get('message')})",
        )
