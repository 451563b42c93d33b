"""The end-to-end demo of the buy-and-resell flow on the core (``channelsync demo`` / ``make demo``)."""
