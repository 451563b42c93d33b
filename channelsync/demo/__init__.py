"""The end-to-end demo of the buy-and-resell flow on the core (``channelsync demo`` / ``make demo``)."""

from pathlib import Path

SAMPLE_CATALOG = Path(__file__).resolve().parent.parent / "sample_data" / "catalog.yaml"
"""The sample catalog the demo loads (products, prices, partners), also handy for trying the CLI."""
