"""HubSpot associations written in batches (v4), and user-defined labels found or created once.

* ``create``: ``POST /crm/v4/associations/{from}/{to}/batch/create``, each pair with its types
  (``associationCategory`` + ``associationTypeId``; a labelled type also brings HubSpot's unlabeled
  one). Associating twice changes nothing, so a retry cannot duplicate.
* ``remove``: ``.../batch/archive`` removes every association between each pair;
  ``.../batch/labels/archive`` only the given types (a reseller of record replaced: remove its
  label, keep the pair's other associations). Both answer 204.
* ``ensure_label``: the v4 labels API (``GET`` / ``POST .../labels``): the type id of a label between
  two object types, created (with its inverse label) when the portal has none, and cached. A
  create refused because another writer just made the label is settled by reading again.

Results are keyed ``"{from id}>{to id}"``; calls carry at most 100 pairs and are halved on a 400.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from connector.errors import FatalError, Refused
from connector.hubspot.batch_answers import context_pairs, match
from connector.hubspot.client import RAW, HubSpotClient, results_of
from connector.writes import WriteResult, WriteResults, write_batches

BATCH_MAX = 100
Pair = tuple[str, str]


@dataclass(frozen=True)
class AssociationType:
    """One directed association type: HubSpot's category, its type id, its label (None: unlabeled)."""

    category: str
    type_id: int
    label: str | None = None

    def spec(self) -> dict[str, Any]:
        """The ``AssociationSpec`` of a batch input."""
        return {"associationCategory": self.category, "associationTypeId": self.type_id}


def pair_key(pair: Pair) -> str:
    """The result key of an associated pair."""
    return f"{pair[0]}>{pair[1]}"


def _checked(pairs: Sequence[Pair]) -> None:
    for i, (a, b) in enumerate(pairs):
        if not (str(a).isdigit() and str(b).isdigit()):
            raise ValueError(f"pair {i}: ({a!r}, {b!r}) are not two HubSpot record ids")


class HubSpotAssociations:
    """Association writes and label definitions through one connection's ``HubSpotClient``."""

    def __init__(self, client: HubSpotClient, *, batch_size: int = BATCH_MAX) -> None:
        if not 1 <= batch_size <= BATCH_MAX:
            raise ValueError(f"batch_size must be 1 to {BATCH_MAX}, not {batch_size}")
        self.client = client
        self.batch_size = batch_size
        self._labels: dict[tuple[str, str, str], AssociationType] = {}

    def create(
        self, from_obj: str, to_obj: str, pairs: Sequence[Pair], types: Sequence[AssociationType]
    ) -> WriteResults:
        """Associate each (from id, to id) pair with every type in ``types``."""
        _checked(pairs)
        if not types:
            raise ValueError("create needs at least one association type")
        specs = [t.spec() for t in types]
        api = self.client.associations_batch

        def send(chunk: Sequence[Pair]) -> list[WriteResult]:
            body = {
                "inputs": [{"from": {"id": a}, "to": {"id": b}, "types": specs} for a, b in chunk]
            }
            data = self.client.call(
                f"create {len(chunk)} {from_obj} to {to_obj} associations",
                lambda: api.create(from_obj, to_obj, body, **RAW),
            )

            def by_pair(result: dict[str, Any]) -> str:
                return f"{result.get('fromObjectId')}>{result.get('toObjectId')}"

            return match([pair_key(p) for p in chunk], data, by_pair, "created", context_pairs)

        return write_batches(pairs, pair_key, self.batch_size, send)

    def remove(
        self,
        from_obj: str,
        to_obj: str,
        pairs: Sequence[Pair],
        types: Sequence[AssociationType] | None = None,
    ) -> WriteResults:
        """Remove the associations of each pair: only ``types`` when given, else all of them."""
        _checked(pairs)
        api = self.client.associations_batch

        def send(chunk: Sequence[Pair]) -> list[WriteResult]:
            if types is None:
                body = {"inputs": [{"from": {"id": a}, "to": [{"id": b}]} for a, b in chunk]}
                call = api.archive
            else:
                specs = [t.spec() for t in types]
                body = {
                    "inputs": [
                        {"from": {"id": a}, "to": {"id": b}, "types": specs} for a, b in chunk
                    ]
                }
                call = api.archive_labels
            self.client.call(
                f"remove {len(chunk)} {from_obj} to {to_obj} associations",
                lambda: call(from_obj, to_obj, body, **RAW),
                results=False,
            )
            return [WriteResult(pair_key(p), "deleted") for p in chunk]

        return write_batches(pairs, pair_key, self.batch_size, send)

    def ensure_label(
        self,
        from_obj: str,
        to_obj: str,
        label: str,
        *,
        inverse_label: str | None = None,
        name: str | None = None,
    ) -> AssociationType:
        """The type of ``label`` from ``from_obj`` to ``to_obj``, created when missing (with
        ``inverse_label`` for the other direction; ``name`` is its internal name, derived from the
        label by default)."""
        cache_key = (from_obj, to_obj, label)
        known = self._labels.get(cache_key) or self._find_label(from_obj, to_obj, label)
        if known is None:
            body: dict[str, Any] = {"label": label, "name": name or _internal_name(label)}
            if inverse_label:
                body["inverseLabel"] = inverse_label
            api = self.client.association_labels
            try:
                made = self.client.call(
                    f"create the {label!r} {from_obj} to {to_obj} association label",
                    lambda: api.create(from_obj, to_obj, body, **RAW),
                )
                known = _with_label(results_of(self.client.connection, "labels", made), label)
            except Refused:
                known = None  # made by someone else in the meantime, or really refused: look
            known = known or self._find_label(from_obj, to_obj, label)
            if known is None:
                raise FatalError(
                    self.client.connection,
                    f"HubSpot has no {from_obj} to {to_obj} association label {label!r} and "
                    "refused to create it; create it in HubSpot's settings or grant the app "
                    "the schema scope",
                )
        self._labels[cache_key] = known
        return known

    def _find_label(self, from_obj: str, to_obj: str, label: str) -> AssociationType | None:
        api = self.client.association_labels
        data = self.client.call(
            f"read {from_obj} to {to_obj} association labels",
            lambda: api.get_all(from_obj, to_obj, **RAW),
        )
        return _with_label(results_of(self.client.connection, "labels", data), label)


def _with_label(types: list[dict[str, Any]], label: str) -> AssociationType | None:
    """The type labelled ``label`` (the lowest id when several are)."""
    found = [t for t in types if t.get("label") == label and isinstance(t.get("typeId"), int)]
    if not found:
        return None
    best = min(found, key=lambda t: int(t["typeId"]))
    return AssociationType(str(best.get("category") or "USER_DEFINED"), int(best["typeId"]), label)


def _internal_name(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") or "label"
