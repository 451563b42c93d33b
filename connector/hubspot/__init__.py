"""HubSpot through hubspot-api-client: the read side (change stream, archived records, re-reads by
id) and the write side (batch upserts, updates, archives, associations and their labels)."""

from connector.hubspot.association_writes import AssociationType, HubSpotAssociations
from connector.hubspot.pacing import Clock
from connector.hubspot.source import HubSpotSource, open_hubspot
from connector.hubspot.writes import HubSpotWriter, open_hubspot_writer

__all__ = [
    "AssociationType",
    "Clock",
    "HubSpotAssociations",
    "HubSpotSource",
    "HubSpotWriter",
    "open_hubspot",
    "open_hubspot_writer",
]
