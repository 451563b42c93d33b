"""Targeted pulls a CRM asked for by change notifications (HubSpot webhooks), queued in the outbox.

A webhook names the records that changed; re-pulling exactly those is the sync's job, so the
request waits as one ``sync.pull_request`` event per notification batch: the connection, the CRM
object and the record ids (unique, sorted). ``connector.sync.requested`` serves them (``sync pull``
does first).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlmodel import Session

from order_core.actors import Actor, require_vendor
from order_core.errors import invalid
from order_core.outbox import OutboxEvent, emit_event
from order_core.tx import transactional

PULL_REQUEST_TOPIC = "sync.pull_request"
#: The most record ids one request may name (HubSpot sends at most 100 events per webhook call).
MAX_IDS = 1000
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
#: CRM object names: HubSpot's ``deals``, ``0-3``; Salesforce's ``Opportunity``, ``Renewal__c``.
_OBJECT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")
_CRM_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


@transactional
def request_pull(
    connection: str,
    crm_object: str,
    crm_ids: Iterable[str],
    *,
    session: Session,
    actor: Actor,
    notifications: int,
) -> OutboxEvent | None:
    """Queue a pull of ``crm_ids`` of ``crm_object`` from ``connection``; None when no id is named.

    ``notifications`` is how many change notifications asked for it (kept for the record).
    """
    require_vendor(actor, "admin", action="queue CRM pulls")
    where = f"pull request of connection {connection!r}"
    if not _NAME.match(connection):
        raise invalid(
            where, "connection", "a connection name is lower-case letters, digits, - or _"
        )
    if not _OBJECT.match(crm_object):
        raise invalid(
            where, "object", f"{crm_object!r} is not a CRM object name such as deals or Opportunity"
        )
    ids = sorted(set(crm_ids))
    bad = [i for i in ids if not _CRM_ID.match(i)]
    if bad:
        raise invalid(where, "crm_ids", f"{bad[0]!r} is not a CRM record id")
    if len(ids) > MAX_IDS:
        raise invalid(where, "crm_ids", f"{len(ids)} ids; send at most {MAX_IDS} per request")
    if not ids:
        return None
    payload = {
        "connection": connection,
        "object": crm_object,
        "crm_ids": ids,
        "notifications": notifications,
    }
    return emit_event(session, PULL_REQUEST_TOPIC, "crm_pull", connection, payload)
