"""What quotes and orders hand to quote_engine: core records (catalog, partner, deal) as a PricingRequest."""
