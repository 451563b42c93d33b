"""Quotes to end customers: versioned, priced by quote_engine, approved, sent and accepted."""
