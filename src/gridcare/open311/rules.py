"""Pure rules of the Open311 search: the GeoReport v2 spec's bounds on what one anonymous
call may ask for. No database, no clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_

# The spec: a search "may not span more than 90 days", and by default covers the last 90.
MAX_SPAN = timedelta(days=90)
# Ids are looked up whatever their age, so their number is what bounds such a search.
MAX_IDS = 50


def request_ids(ids: Sequence[str]) -> list[str]:
    """The service_request_id list, each id once, refused past MAX_IDS."""
    unique = list(dict.fromkeys(i.strip() for i in ids if i.strip()))
    if len(unique) > MAX_IDS:
        raise InvalidInput.field("service_request_id", T_("at most %(n)s items", n=MAX_IDS))
    return unique


def search_window(start: datetime | None, end: datetime | None, *, now: datetime) -> tuple[datetime, datetime]:
    """The requested_datetime range searched: as given when it spans at most MAX_SPAN; one
    date alone reaches MAX_SPAN from it; none, the last MAX_SPAN up to ``now``."""
    if start is not None and end is not None:
        if not start <= end <= start + MAX_SPAN:
            latest = start + MAX_SPAN
            raise InvalidInput.field("end_date", T_("must be between %(low)s and %(high)s (%(days)s days)", low=start.isoformat(), high=latest.isoformat(), days=MAX_SPAN.days))
        return start, end
    if start is not None:
        return start, start + MAX_SPAN
    if end is not None:
        return end - MAX_SPAN, end
    return now - MAX_SPAN, now
