"""Retry policies: a step that failed on something transient (a CRM or server down) runs again;
one that failed on its setup (a bad connections or mapping file) does not."""

from collections.abc import Callable
from typing import TypeVar

import dagster as dg

from connector.sync.pull import UnknownObjects
from connector.sync.run import SetupError

T = TypeVar("T")

#: A CRM step whose client gave up after its own retries: three more tries, 30 s, 60 s, 120 s apart.
CRM_RETRY = dg.RetryPolicy(max_retries=3, delay=30, backoff=dg.Backoff.EXPONENTIAL)
#: A delivery step (PRM webhooks, e-mail): the outbox backs off per event, so one quick retry.
DELIVERY_RETRY = dg.RetryPolicy(max_retries=1, delay=10)


def settled(call: Callable[[], T]) -> T:
    """``call()``; a setup error or an object the mapping does not map fails the step at once
    (retrying cannot fix a file or a run config)."""
    try:
        return call()
    except SetupError as exc:
        raise dg.Failure(description=exc.message, allow_retries=False) from None
    except UnknownObjects as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
