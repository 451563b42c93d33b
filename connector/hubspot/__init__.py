"""HubSpot read side (hubspot-api-client): change stream, archived records and re-reads by id."""

from connector.hubspot.pacing import Clock
from connector.hubspot.source import HubSpotSource, open_hubspot

__all__ = ["Clock", "HubSpotSource", "open_hubspot"]
