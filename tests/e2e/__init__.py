"""End-to-end flows through the real CRM clients against the sandboxes."""
