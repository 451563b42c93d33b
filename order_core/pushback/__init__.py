"""Push-back to the CRM connections: ``crm.*`` events fanned out per connection, and snapshots of what to send."""
