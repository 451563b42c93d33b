"""The end customer's web pages (quote acceptance, self-renewal, documents) and inbound webhooks."""
