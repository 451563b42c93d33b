"""quote_engine package."""
