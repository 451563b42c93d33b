"""The CRM sync's side of the core: cursors, CRM record links, set-based writes of pulled records, the quarantine."""
