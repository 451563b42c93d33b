"""Conformance tests of the HubSpot sandbox."""
