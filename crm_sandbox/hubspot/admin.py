"""Admin API of the HubSpot sandbox (Python methods on the app, mirrored over HTTP under
``/__admin/hubspot/``): change / archive / restore / delete records, bump or set modification
stamps, change associations, inject batch partial failures, configure rate-limit budgets, issue
OAuth refresh tokens.

Admin changes go around the public API on purpose: ``change_record(..., bump=False)`` alters a
value without touching the stamp, and association changes never touch stamps, so tests can build
exactly the situations a real portal produces.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_sandbox.hubspot.oauth import OAuthClients
from crm_sandbox.hubspot.objects import ObjectType, resolve
from crm_sandbox.hubspot.portal import BatchFailure, Portal
from crm_sandbox.hubspot.ratelimit import RateLimitConfig, RateLimiter
from crm_sandbox.hubspot.routes_objects import link_records
from crm_sandbox.hubspot.seed_map import SeedIndex
from crm_sandbox.hubspot.store import HsRecord
from crm_sandbox.hubspot.wire import now


class UnknownRecord(LookupError):
    """The admin API was asked about a record or object type that does not exist."""


class HubSpotAdmin:
    """Python admin API; mixed into :class:`~crm_sandbox.hubspot.app.HubSpotSandboxApp`."""

    portal: Portal
    limiter: RateLimiter
    seed: SeedIndex
    tokens: set[str]
    revoked: set[str]
    oauth: OAuthClients

    # -- records ----------------------------------------------------------------------------
    def object_type(self, name: str) -> ObjectType:
        """A stored object type by any alias; raises :class:`UnknownRecord`."""
        t = resolve(name)
        if t is None or not t.stored:
            raise UnknownRecord(f"unknown object type {name!r}; use e.g. deals, companies, 0-3")
        return t

    def record(self, object_type: str, record_id: int | str) -> HsRecord:
        """A record (archived or not) by id; raises :class:`UnknownRecord`."""
        t = self.object_type(object_type)
        rec = self.portal.store.any(t, int(record_id))
        if rec is None:
            raise UnknownRecord(f"{t.singular} {record_id} does not exist")
        return rec

    def records(self, object_type: str, *, archived: bool = False) -> list[HsRecord]:
        """Every active (or every archived) record of a type, by id."""
        return list(self.portal.store.records(self.object_type(object_type), archived=archived))

    def external_id_counts(self, object_type: str, prop: str = "channelsync_id") -> dict[str, int]:
        """How many active records hold each value of a property (unset: left out); any count
        above 1 is a duplicate. Reads the stored values, around the API's uniqueness checks."""
        counts: dict[str, int] = {}
        for rec in self.portal.store.records(self.object_type(object_type)):
            value = rec.props.get(prop)
            if value:
                counts[value] = counts.get(value, 0) + 1
        return counts

    def count_associations(
        self, from_type: str, to_type: str, label: str | None = None
    ) -> dict[tuple[int, int], int]:
        """Associated pairs of live records (from id, to id) and how many association types each
        pair holds (only those with ``label`` when given): no pair holds one type twice."""
        frm, to = self.object_type(from_type), self.object_type(to_type)
        out: dict[tuple[int, int], int] = {}
        for rec in self.portal.store.records(frm):
            for oid, type_ids in self.portal.store.associated((frm.name, rec.id), to.name):
                types = [self.portal.catalog.get(t) for t in type_ids]
                n = sum(1 for t in types if t is not None and (label is None or t.label == label))
                if n:
                    out[(rec.id, oid)] = n
        return out

    def render_all(self, rec: HsRecord) -> dict[str, Any]:
        """A record's JSON with every property it has a definition for."""
        return self.portal.render(rec, list(self.portal.props.of(rec.otype)))

    def create_record(
        self,
        object_type: str,
        properties: dict[str, Any],
        *,
        created: datetime | None = None,
        updated: datetime | None = None,
    ) -> int:
        """Create a record (values validated as the API would); returns its id."""
        t = self.object_type(object_type)
        values = self.portal.props.normalise(t, properties)
        return self.portal.store.create(t, values, created=created, updated=updated).id

    def change_record(
        self,
        object_type: str,
        record_id: int | str,
        properties: dict[str, Any],
        *,
        bump: bool = True,
    ) -> None:
        """Change values as a CRM user would (``bump=True``) or silently, keeping the stamp."""
        rec = self.record(object_type, record_id)
        values = self.portal.props.normalise(rec.otype, properties)
        stamp = rec.updated
        self.portal.store.update(rec, values)
        if not bump:
            rec.updated = stamp
        self.portal.store.touch()

    def archive_record(self, object_type: str, record_id: int | str) -> None:
        """Archive a record; its modification stamp stays as it was (as on HubSpot)."""
        self.portal.store.archive(self.record(object_type, record_id))

    def restore_record(self, object_type: str, record_id: int | str) -> None:
        """Restore an archived record; its stamp stays as it was."""
        self.portal.store.restore(self.record(object_type, record_id))

    def delete_record(self, object_type: str, record_id: int | str) -> None:
        """Delete a record for good (as a purge / GDPR delete does), with its associations."""
        t = self.object_type(object_type)
        if not self.portal.store.delete(t, int(record_id)):
            raise UnknownRecord(f"{t.singular} {record_id} does not exist")

    def set_stamp(self, object_type: str, record_id: int | str, when: datetime) -> None:
        """Set a record's modification stamp (``hs_lastmodifieddate`` / ``lastmodifieddate``).

        The only way to a stamp in the future; later changes never move it back.
        """
        rec = self.record(object_type, record_id)
        with self.portal.store.lock:
            rec.updated = when
            self.portal.store.touch()

    def bump_stamp(self, object_type: str, record_id: int | str) -> datetime:
        """Set a record's modification stamp to now (never earlier than before); returns it."""
        rec = self.record(object_type, record_id)
        with self.portal.store.lock:
            rec.updated = max(now(), rec.updated)
            self.portal.store.touch()
            return rec.updated

    # -- associations -----------------------------------------------------------------------
    def associate(
        self,
        from_type: str,
        from_id: int | str,
        to_type: str,
        to_id: int | str,
        type_id: int | None = None,
    ) -> None:
        """Associate two records (default: the pair's unlabeled type); stamps are not bumped."""
        a, b = self.record(from_type, from_id), self.record(to_type, to_id)
        if type_id is None:
            base = self.portal.catalog.unlabeled(a.otype.name, b.otype.name)
            if base is None:
                raise UnknownRecord(f"{a.otype.name} cannot be associated with {b.otype.name}")
            type_id = base.type_id
        link_records(self.portal, a, b, type_id)

    def dissociate(
        self, from_type: str, from_id: int | str, to_type: str, to_id: int | str
    ) -> None:
        """Remove every association between two records; stamps are not bumped."""
        a, b = self.record(from_type, from_id), self.record(to_type, to_id)
        self.portal.store.dissociate((a.otype.name, a.id), (b.otype.name, b.id))

    def associated_ids(self, from_type: str, from_id: int | str, to_type: str) -> list[int]:
        """Ids of the live records of ``to_type`` associated with a record."""
        a = self.record(from_type, from_id)
        to = self.object_type(to_type)
        return [oid for oid, _ in self.portal.store.associated((a.otype.name, a.id), to.name)]

    def set_association_page_size(self, size: int) -> None:
        """Associations per record in one v4 batch read result (more come with ``paging``)."""
        if size < 1:
            raise ValueError("the association page size must be at least 1")
        self.portal.assoc_read_page = size

    # -- faults, limits, tokens -------------------------------------------------------------
    def fail_batch_inputs(
        self,
        route: str,
        inputs: set[int] | list[int],
        *,
        times: int | None = 1,
        category: str = "VALIDATION_ERROR",
        message: str = "Injected failure",
    ) -> None:
        """Make the inputs at these 0-based positions fail in the next ``times`` calls of a
        batch route (e.g. ``deals.batch.upsert``); the call answers 207 with ``errors``."""
        self.portal.batch_failures.add(BatchFailure(route, set(inputs), times, category, message))

    def set_rate_limits(self, **changes: Any) -> RateLimitConfig:
        """Change budgets (``ten_second_max``, ``daily_max``, ``search_per_second``, ``enabled``)."""
        config = RateLimitConfig.from_json(changes, self.limiter.config)
        self.limiter.configure(config)
        return config

    def reset_rate_usage(self, *, daily_used: int = 0) -> None:
        """Forget rate-limit usage; optionally pretend ``daily_used`` calls were spent today."""
        self.limiter.reset()
        self.limiter.set_daily_used(daily_used)

    def revoke_token(self, token: str) -> None:
        """Make a token answer 401 ``EXPIRED_AUTHENTICATION`` from now on."""
        self.revoked.add(token)
        self.tokens.discard(token)

    def add_token(self, token: str) -> None:
        """Accept another access token."""
        self.tokens.add(token)
        self.revoked.discard(token)

    def issue_refresh_token(self, client_id: str, client_secret: str) -> str:
        """An OAuth refresh token for the app ``client_id`` (registered on first use)."""
        return self.oauth.issue_refresh_token(client_id, client_secret)

    def revoke_refresh_token(self, token: str) -> None:
        """Make a refresh token answer ``BAD_REFRESH_TOKEN`` from now on."""
        self.oauth.revoke_refresh_token(token)

    def seed_id(self, key: str) -> int:
        """The HubSpot id of a seeded record by seed key (``D000001``, ``P00002``, a SKU)."""
        try:
            return self.seed.ids[key]
        except KeyError:
            raise UnknownRecord(f"no seeded record with key {key!r}") from None
