"""Tests of the connector package."""
