"""Names and the actor shared by a connection's assets, checks, jobs and resources (one place, so they agree)."""

from __future__ import annotations

import dagster as dg

from order_core.actors import Actor

#: Who the orchestration acts as (in the audit log).
ACTOR = Actor.system("dagster")
#: Who answers for the orchestration's assets in the UI.
OWNERS = ["team:channel-admins"]
PRM_WEBHOOKS = dg.AssetKey(["prm", "webhooks"])
DELIVERY_GROUP = "delivery"


def ident(connection: str) -> str:
    """The connection's name as a Python identifier (Dagster names allow no ``-``)."""
    return connection.replace("-", "_")


def crm_resource(connection: str) -> str:
    """The resource key of a connection."""
    return f"crm_{ident(connection)}"


def pool(connection: str) -> str:
    """The pool every step that calls the connection's CRM runs in (limit 1: one at a time)."""
    return f"crm-{connection}"


def object_key(connection: str, crm_object: str) -> dg.AssetKey:
    """The asset of one CRM object of one connection."""
    return dg.AssetKey(["crm", ident(connection), crm_object])


def quotes_key(connection: str) -> dg.AssetKey:
    """The asset of the quotes made for one connection's quote-requested deals."""
    return dg.AssetKey(["quotes", ident(connection)])
