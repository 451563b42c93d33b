"""Dagster definitions: thin jobs, schedules, sensors and checks over the core and the connector."""
