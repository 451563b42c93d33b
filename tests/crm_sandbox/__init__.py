"""Tests of the CRM sandboxes."""
