"""Sample data shipped with channelsync: the demo catalog (programs, partners, products, customers)."""
