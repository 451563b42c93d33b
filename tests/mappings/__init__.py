"""Tests of the mapping files and engine."""
