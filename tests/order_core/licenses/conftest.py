"""Fixtures of the licenses tests: the small channel of ``world.py``."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.order_core.orders.world import World, make_world


@pytest.fixture
def world(session: Session) -> World:
    """The channel, created on the parametrized backend."""
    return make_world(session)
