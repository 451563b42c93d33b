"""channelsync package."""
