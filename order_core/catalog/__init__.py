"""Catalog of the order core: tables and services."""
