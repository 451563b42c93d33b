"""Between the mapping and the core: raw records as JSON for the quarantine, mapped records as core input."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

from mappings.records import MappedRecord, RawRecord, Rejected
from mappings.values import to_datetime
from order_core.sync.records import CrmRecord, CrmReject


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def to_payload(record: RawRecord) -> str:
    """A raw record as JSON text (numbers and dates as their text: the mapping reads text)."""
    body = {
        "id": record.crm_id,
        "stamp": record.stamp.isoformat(),
        "deleted": record.deleted,
        "fields": _plain(dict(record.fields)),
        "associations": {
            k: [[i, sorted(labels)] for i, labels in v] for k, v in record.associations.items()
        },
    }
    text = json.dumps(body, ensure_ascii=False, sort_keys=True)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (JSON carries it): keep it as a JSON escape
        text = json.dumps(body, ensure_ascii=True, sort_keys=True)
    return text


class Payloads(Mapping[str, str]):
    """Payloads of a page's records by CRM id, made only for the few the core quarantines."""

    def __init__(self, records: Sequence[RawRecord]) -> None:
        self._records = {r.crm_id: r for r in records}

    def __getitem__(self, crm_id: str) -> str:
        return to_payload(self._records[crm_id])

    def __iter__(self) -> Iterator[str]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)


def from_payload(text: str) -> RawRecord:
    """The raw record a payload was made from (values as text)."""
    body = json.loads(text)
    associations = {
        str(k): [(str(i), frozenset(labels)) for i, labels in v]
        for k, v in body.get("associations", {}).items()
    }
    return RawRecord(
        crm_id=str(body["id"]),
        stamp=to_datetime(body["stamp"]),
        fields=dict(body.get("fields", {})),
        deleted=bool(body.get("deleted", False)),
        associations=associations,
    )


def to_core(results: Sequence[MappedRecord | Rejected]) -> list[CrmRecord | CrmReject]:
    """The mapping's output in the core's terms (the same fields; the core never imports mappings)."""
    out: list[CrmRecord | CrmReject] = []
    for r in results:
        if isinstance(r, Rejected):
            out.append(CrmReject(r.target, r.crm_id, r.stamp, r.reason))
        else:
            out.append(
                CrmRecord(
                    r.target, r.crm_id, r.stamp, r.values, r.refs, r.owned, r.digest, r.deleted
                )
            )
    return out
