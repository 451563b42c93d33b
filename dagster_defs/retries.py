"""Retry policies: a step that failed on something transient (a CRM or server down) runs again."""

from __future__ import annotations

import dagster as dg

#: A CRM step whose client gave up after its own retries: three more tries, 30 s, 60 s, 120 s apart.
CRM_RETRY = dg.RetryPolicy(max_retries=3, delay=30, backoff=dg.Backoff.EXPONENTIAL)
#: A delivery step (PRM webhooks, e-mail): the outbox backs off per event, so one quick retry.
DELIVERY_RETRY = dg.RetryPolicy(max_retries=1, delay=10)
