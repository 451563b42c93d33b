"""HubSpot's write side for records: batch upsert by a unique property, batch update, batch archive.

Each call carries at most 100 inputs and goes through the connection's ``HubSpotClient`` (pacing
under HubSpot's limits, the API budget, one token refresh, ``failures``' error translation, the
``RetryPolicy``). HubSpot answers 200 / 201 when every input succeeded and 207 with ``errors``
when some did not (``batch_answers`` matches both to the inputs); invalid property values refuse
the whole call with a 400, which is halved until the input at fault is alone (``connector.writes``);
values HubSpot would certainly refuse are failed before the call instead (``property_checks``).

Retry safety: an upsert by a unique property (``channelsync_id``, ``hasUniqueValue``) and an update
by id land the same however often they are sent; archiving an archived record changes nothing.
Property values go out as HubSpot's strings: ``Decimal`` exact, booleans ``true`` / ``false``, dates
``YYYY-MM-DD``, datetimes in UTC with milliseconds, None as ``""`` (which clears the property).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from connector.connections import Connection
from connector.hubspot.batch_answers import match
from connector.hubspot.client import RAW, HubSpotClient
from connector.hubspot.pacing import Clock
from connector.hubspot.property_checks import PropertyChecks
from connector.hubspot.source import hubspot_client
from connector.retry import RetryPolicy
from connector.writes import WriteResult, WriteResults, write_batches

#: Inputs in one batch call.
BATCH_MAX = 100

Record = Mapping[str, Any]


def property_value(value: object) -> str:
    """A value as the string HubSpot stores for a property."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a number HubSpot can store")
        return format(value, "f")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value} is not a number HubSpot can store")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"datetime {value.isoformat()} has no time zone; give it one (UTC)")
        utc = value.astimezone(UTC)
        return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | str):
        return str(value)
    raise TypeError(f"cannot write a {type(value).__name__} to a HubSpot property")


def properties(record: Record, leave_out: str | None = None) -> dict[str, str]:
    """A record's properties as HubSpot strings (without ``leave_out``)."""
    return {str(k): property_value(v) for k, v in record.items() if k != leave_out}


class Keys:
    """Each input's key (the value of ``field`` it holds), checked before any call."""

    def __init__(self, inputs: Sequence[Record], field: str) -> None:
        self._keys: dict[int, str] = {}
        for position, record in enumerate(inputs):
            value = record.get(field)
            if value is None or isinstance(value, bool) or str(value) == "":
                raise ValueError(f"input {position} has no {field}: every input needs one")
            self._keys[id(record)] = str(value)

    def key(self, record: Record) -> str:
        """The key of one of the inputs."""
        return self._keys[id(record)]


class HubSpotWriter:
    """Batched record writes through one connection's ``HubSpotClient``."""

    def __init__(
        self, client: HubSpotClient, *, batch_size: int = BATCH_MAX, check_values: bool = True
    ) -> None:
        if not 1 <= batch_size <= BATCH_MAX:
            raise ValueError(f"batch_size must be 1 to {BATCH_MAX}, not {batch_size}")
        self.client = client
        self.batch_size = batch_size
        self.checks = PropertyChecks(client) if check_values else None

    def _precheck(
        self, obj: str, key: Callable[[Record], str], leave_out: str | None = None
    ) -> Callable[[Record], WriteResult | None] | None:
        checks = self.checks
        if checks is None:
            return None

        def check(record: Record) -> WriteResult | None:
            problem = checks.problem(obj, properties(record, leave_out))
            return None if problem is None else WriteResult(key(record), "failed", None, (problem,))

        return check

    def close(self) -> None:
        """Release the HTTP connections."""
        self.client.close()

    def batch_upsert(self, obj: str, id_property: str, inputs: Sequence[Record]) -> WriteResults:
        """Create or update ``obj`` records by ``id_property`` (a unique property each input holds
        among its properties, e.g. ``channelsync_id``); keyed by that value."""
        keys = Keys(inputs, id_property)

        def send(chunk: Sequence[Record]) -> list[WriteResult]:
            body = {
                "inputs": [
                    # The id property stays among the properties: the answer then names it.
                    {"idProperty": id_property, "id": keys.key(r), "properties": properties(r)}
                    for r in chunk
                ]
            }
            data = self.client.call(
                f"batch upsert of {len(chunk)} {obj} by {id_property}",
                lambda: self.client.objects_batch.upsert(obj, body, **RAW),
            )

            def by_value(result: dict[str, Any]) -> str | None:
                value = (result.get("properties") or {}).get(id_property)
                return None if value is None else str(value)

            return match([keys.key(r) for r in chunk], data, by_value, "updated")

        return write_batches(inputs, keys.key, self.batch_size, send, self._precheck(obj, keys.key))

    def batch_update(self, obj: str, inputs: Sequence[Record]) -> WriteResults:
        """Update ``obj`` records by id: each input holds ``hs_object_id`` and the properties to
        set; keyed by the id."""
        keys = Keys(inputs, "hs_object_id")

        def send(chunk: Sequence[Record]) -> list[WriteResult]:
            body = {
                "inputs": [
                    {"id": keys.key(r), "properties": properties(r, "hs_object_id")} for r in chunk
                ]
            }
            data = self.client.call(
                f"batch update of {len(chunk)} {obj}",
                lambda: self.client.objects_batch.update(obj, body, **RAW),
            )
            return match(
                [keys.key(r) for r in chunk], data, lambda res: str(res.get("id")), "updated"
            )

        precheck = self._precheck(obj, keys.key, "hs_object_id")
        return write_batches(inputs, keys.key, self.batch_size, send, precheck)

    def batch_archive(self, obj: str, ids: Sequence[str]) -> WriteResults:
        """Archive ``obj`` records by id (HubSpot answers 204 for every id, known or not)."""
        for i, rid in enumerate(ids):
            if not str(rid).isdigit():
                raise ValueError(f"id {i}: {rid!r} is not a HubSpot record id")

        def send(chunk: Sequence[str]) -> list[WriteResult]:
            body = {"inputs": [{"id": str(rid)} for rid in chunk]}
            self.client.call(
                f"batch archive of {len(chunk)} {obj}",
                lambda: self.client.objects_batch.archive(obj, body, **RAW),
                results=False,
            )
            return [WriteResult(str(rid), "deleted", str(rid)) for rid in chunk]

        return write_batches(ids, str, self.batch_size, send)


def open_hubspot_writer(
    connection: Connection, *, retry: RetryPolicy | None = None, clock: Clock | None = None
) -> HubSpotWriter:
    """A ``HubSpotWriter`` for a HubSpot connection; ``HubSpotAssociations(writer.client)`` writes
    associations through the same client (one pacing, one budget)."""
    return HubSpotWriter(hubspot_client(connection, retry=retry, clock=clock))
