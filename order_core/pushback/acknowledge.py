"""After the push cleared deals' quote-requested flag in their CRM: the core's side of it.

The deal's flag goes off in the core too, and the pull's link of each deal forgets the digest of
what it last applied. Without that, a flag cleared by the push and ticked again by sales ops
before the next pull would look unchanged to the pull (same mapped values as the last pull
saw), and the new request would be lost. The next pull applies whatever the deal holds then:
the flag off (nothing to do) or on again (a new request at a new stamp).

When the push found the deal changed in the CRM since the request the core handled (its stamp
moved while the flag was on: sales ops ticked it again), it leaves the flag on there and
:func:`requests_renewed` only makes the pull's link forget its digest: the next pull applies the
deal at its new stamp, and the core sees the new request.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlmodel import Session, col

from order_core.bulk_sql import one_of
from order_core.deals.models import Deal
from order_core.sync.models import SyncRecord
from order_core.tx import transactional

#: The digest a link gets when the push changed its CRM record (no mapped values hash to it).
PUSHED = "pushed"


@transactional
def requests_acknowledged(source: str, deal_ids: Sequence[int], *, session: Session) -> int:
    """Deals of connection ``source`` whose flag the push cleared; how many links were reset."""
    if not deal_ids:
        return 0
    session.execute(
        update(Deal)
        .where(one_of(session, col(Deal.id), list(deal_ids)), col(Deal.source) == source)
        .values(quote_requested=False)
    )
    return _forget_digests(session, source, deal_ids)


@transactional
def requests_renewed(source: str, deal_ids: Sequence[int], *, session: Session) -> int:
    """Deals of connection ``source`` whose flag the push left on (a new request since the one the
    core handled); how many links were reset so that the next pull applies them again."""
    if not deal_ids:
        return 0
    return _forget_digests(session, source, deal_ids)


def _forget_digests(session: Session, source: str, deal_ids: Sequence[int]) -> int:
    result = session.execute(
        update(SyncRecord)
        .where(
            col(SyncRecord.source) == source,
            col(SyncRecord.target) == "deal",
            one_of(session, col(SyncRecord.core_id), list(deal_ids)),
        )
        .values(digest=PUSHED)
    )
    return int(getattr(result, "rowcount", 0) or 0)
