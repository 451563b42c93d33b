"""Tests of the core side of the CRM sync."""
